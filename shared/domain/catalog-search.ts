import { pinyin } from 'pinyin-pro';

/**
 * Catalogue search (DESIGN.md §14): a customer types Chinese (西红), full pinyin (xihongshi) or
 * the initials (xhs). The pinyin keys are computed once when a product is saved
 * (`searchKeysOf`), never per query; `searchRank` orders the matches.
 */
export interface SearchKeys {
  /** Full pinyin without tones or spaces, lower case (西红柿 → xihongshi); other characters kept, lower-cased. */
  searchPinyin: string;
  /** First letter of each syllable (西红柿 → xhs); other characters kept, lower-cased. */
  searchInitials: string;
}

const squash = (s: string) => s.toLowerCase().replace(/[\s'’·\-_]+/g, '');

/** The pinyin keys of a title, stored on the product beside it. */
export function searchKeysOf(title: string): SearchKeys {
  const full = pinyin(title, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  const first = pinyin(title, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  return { searchPinyin: squash(full.join('')), searchInitials: squash(first.join('')) };
}

/**
 * How well a product matches a query: 0 exact title, 1 title prefix, 2 title contains, 3 initials
 * prefix, 4 full pinyin prefix, 5 pinyin contains (full or initials); undefined when it does not match.
 */
export function searchRank(title: string, keys: SearchKeys, query: string): number | undefined {
  const q = query.trim();
  if (!q) return undefined;
  if (title === q) return 0;
  if (title.startsWith(q)) return 1;
  if (title.includes(q)) return 2;
  const l = squash(q);
  if (!l) return undefined;
  if (keys.searchInitials.startsWith(l)) return 3;
  if (keys.searchPinyin.startsWith(l)) return 4;
  if (keys.searchPinyin.includes(l) || keys.searchInitials.includes(l)) return 5;
  return undefined;
}

/** The matching items, best first; ties keep the given order. */
export function rankBySearch<T extends { title: string }>(items: readonly T[], query: string, keysOf: (item: T) => SearchKeys): T[] {
  return items
    .map((item, i) => ({ item, i, rank: searchRank(item.title, keysOf(item), query) }))
    .filter((x): x is { item: T; i: number; rank: number } => x.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.item);
}
