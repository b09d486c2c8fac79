import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { categoryTreeIssues, sortCategoryTree, type Category } from '#domain/category-tree';
import type { Deps } from '../deps.ts';
import { personName } from './schemas.ts';

/** The category tree is one item (a few hundred categories at most), replaced whole. */
export const categoryKey = () => ({ pk: 'CATEGORIES', sk: 'CURRENT' });

export const CategoryTreeInput = z.array(
  z.object({
    id: id(),
    name: personName(20),
    parentId: z.optional(id()),
    order: z.int().check(z.minimum(0), z.maximum(10_000)),
  }),
).check(z.maxLength(500));

const CategoriesOut = z.array(z.object({ id: z.string(), name: z.string(), parentId: z.optional(z.string()), order: z.int() }));

export async function loadCategories(deps: Deps): Promise<Category[]> {
  const it = await deps.store.get(categoryKey(), { consistent: true });
  return it ? (it.categories as Category[]) : [];
}

/** `GET /admin/categories`: parents before children, siblings by `order`. */
export const categoriesCommand = defineCommand({
  name: 'admin.categories',
  roles: ['owner', 'operations'],
  input: z.object({}),
  output: CategoriesOut,
  http: { method: 'GET', path: '/admin/categories' },
  run: async ({ deps }) => loadCategories(deps),
});

/** `PUT /admin/categories`: the whole tree; unique ids, parents that exist, no cycles (else 400 naming the entry). */
export const updateCategoriesCommand = defineCommand({
  name: 'admin.updateCategories',
  roles: ['owner', 'operations'],
  input: z.object({ categories: CategoryTreeInput }),
  output: CategoriesOut,
  http: { method: 'PUT', path: '/admin/categories' },
  async run({ deps }, input) {
    const issues = categoryTreeIssues(input.categories).map((i) => ({ ...i, path: `categories.${i.path}` }));
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'the category tree is not valid', { issues });
    const categories = sortCategoryTree(input.categories).map((c) => ({ id: c.id, name: c.name, ...(c.parentId ? { parentId: c.parentId } : {}), order: c.order }));
    await deps.store.write({ type: 'put', item: { ...categoryKey(), categories, updatedAt: toBizIso(deps.clock.now()) } });
    return categories;
  },
});

export const categoryCommands = [categoriesCommand, updateCategoriesCommand];
