/**
 * CloudBase keeps one collection per kind of item (DESIGN.md §4). The kind is the partition
 * key's prefix (`C#42` → communities), so DynamoDB's single table and CloudBase's collections
 * hold the same items under the same keys. Unknown prefixes land in a default collection, so a
 * new item type works before anyone adds it here.
 */
export const COLLECTION_BY_PREFIX: Readonly<Record<string, string>> = {
  C: 'communities',
  OREF: 'order_refs',
  P: 'products',
  U: 'users',
  CPN: 'coupons',
  S: 'suppliers',
  REQ: 'requests',
  L: 'leaders',
  W: 'wave_reports',
  OUTBOX: 'outbox',
  MSG: 'outbox',
  FIN: 'finance',
  JOB: 'jobs',
};

export const DEFAULT_COLLECTION = 'items';

/** Every collection `collectionOf` can return (what an init script creates, what a GSI query reads). */
export const COLLECTIONS: readonly string[] = [...new Set(Object.values(COLLECTION_BY_PREFIX)), DEFAULT_COLLECTION];

/** The collection holding items of partition `pk`: by the text before its first `#`. */
export function collectionOf(pk: string): string {
  const prefix = pk.slice(0, Math.max(0, pk.indexOf('#')));
  return Object.hasOwn(COLLECTION_BY_PREFIX, prefix) ? COLLECTION_BY_PREFIX[prefix]! : DEFAULT_COLLECTION;
}
