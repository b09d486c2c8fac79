import type { Key } from '#ports/item-store';

/** The catalogue area's single items: the merchant's service area (one item, DESIGN.md §13). */
export const catalogKeys = {
  serviceArea: (): Key => ({ pk: 'SERVICEAREA', sk: 'CURRENT' }),
};
