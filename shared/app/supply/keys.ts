import type { Key } from '#ports/item-store';
import { keys } from '../keys.ts';

/**
 * Keys of the supply area's own items (supplier records are `keys.supplier`):
 * - `W#<date>` / `PO#<supplierId>`: the wave's purchase order to one supplier (one per supplier and wave).
 */
export const supplyKeys = {
  purchaseOrder: (date: string, supplierId: string): Key => keys.waveReport(date, `PO#${supplierId}`),
  purchaseOrders: (date: string) => keys.waveReports(date, 'PO#'),
} as const;
