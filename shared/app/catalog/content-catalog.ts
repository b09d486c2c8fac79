import { categoryAndDescendants } from '#domain/category-tree';
import { rankBySearch } from '#domain/catalog-search';
import type { Deps } from '../deps.ts';
import { loadCategories } from './categories.ts';
import { searchKeysOfProduct } from './content.ts';
import type { Product } from './products.ts';

export { contentView, visibleIn } from './content.ts';

/**
 * The catalogue's `category` filter: a product's category may be a category id or name; asking
 * for a category includes those under it in the tree. Without a tree: the exact text.
 */
export async function catalogCategoryFilter(deps: Deps, category: string): Promise<(p: Product) => boolean> {
  const tree = await loadCategories(deps);
  const asked = tree.find((c) => c.id === category || c.name === category);
  if (!asked) return (p) => p.category === category;
  const ids = categoryAndDescendants(tree, asked.id);
  const names = new Set(tree.filter((c) => ids.has(c.id)).map((c) => c.name));
  return (p) => ids.has(p.category) || names.has(p.category);
}

/** Without a query: by category, then title. With `q`: only matches, best first (DESIGN.md §14). */
export function catalogOrder(products: Product[], q: string | undefined): Product[] {
  const sorted = products.sort((a, b) => a.category.localeCompare(b.category, 'zh') || a.title.localeCompare(b.title, 'zh') || (a.id < b.id ? -1 : 1));
  return q?.trim() ? rankBySearch(sorted, q, (p) => searchKeysOfProduct(p as Product & { searchPinyin?: unknown; searchInitials?: unknown })) : sorted;
}
