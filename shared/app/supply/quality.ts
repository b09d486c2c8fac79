import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { defectRate } from '#domain/supply';
import { addDays } from '#domain/time';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { getProducts } from '../catalog/products.ts';
import { afterSalesByStatus, afterSalesFromItem } from '../after-sales/model.ts';
import { listPurchaseOrders } from './purchase-orders.ts';

export interface SupplierQuality {
  supplierId: string;
  receivedQty: number;
  rejectedQty: number;
  /** rejected ÷ received (0 when nothing was received). */
  defectRate: number;
  /** Approved after-sales requests of the month naming a product the supplier is primary for. */
  qualityAfterSales: number;
}

/**
 * A month's supplier quality (品控): units received and rejected on the purchase orders of the
 * month's waves, the defect rate, and the approved after-sales requests made in the month on
 * each supplier's products (its primary supplier's). Steps: the month's days → their received
 * orders → the month's approved requests → their products' primary suppliers.
 */
export async function supplierQuality(deps: Deps, month: string): Promise<SupplierQuality[]> {
  const out = new Map<string, SupplierQuality>();
  const row = (supplierId: string) => {
    let r = out.get(supplierId);
    if (!r) out.set(supplierId, (r = { supplierId, receivedQty: 0, rejectedQty: 0, defectRate: 0, qualityAfterSales: 0 }));
    return r;
  };
  for (let date = `${month}-01`; date.startsWith(month); date = addDays(date, 1)) {
    for (const po of await listPurchaseOrders(deps, date)) {
      if (po.status !== 'RECEIVED') continue;
      const r = row(po.supplierId);
      for (const l of po.received ?? []) {
        r.receivedQty += l.receivedQty;
        r.rejectedQty += l.rejectedQty;
      }
    }
  }
  const approved = (await queryAll(deps.store, { ...afterSalesByStatus('APPROVED'), from: month, to: `${month}\uffff` })).map(afterSalesFromItem);
  const products = await getProducts(deps, approved.flatMap((a) => a.lines.map((l) => l.productId)));
  for (const a of approved) {
    const suppliers = new Set(a.lines.map((l) => products.get(l.productId)).filter((p) => p !== undefined).map((p) => p.suppliers?.[0] ?? p.supplierId));
    for (const s of suppliers) row(s).qualityAfterSales++;
  }
  return [...out.values()].map((r) => ({ ...r, defectRate: defectRate(r.receivedQty, r.rejectedQty) })).sort((a, b) => (a.supplierId < b.supplierId ? -1 : 1));
}

export const supplierQualityCommand = defineCommand({
  name: 'admin.supplierQuality',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({ month: z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM')) }),
  http: { method: 'GET', path: '/admin/suppliers/quality' },
  async run({ deps }, input) {
    if (input.month < '2000-01') throw new AppError('VALIDATION_FAILED', 'month out of range', { issues: [{ path: 'month', message: 'out of range' }] });
    return supplierQuality(deps, input.month);
  },
});
