import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { codeOf } from '#test/errors';
import { runCutoff } from '#app/cutoff/close-waves';
import { orderFromItem, type Order } from '#app/orders/model';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

const D = '2026-11-24';
const XJH = 'c-xujiahui';
const JA = 'c-jingan';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const checked = (name: string) => (data: unknown) => {
  if (data && typeof data === 'object' && '__csv' in data) return data as any;
  const r = outputOf(command(name))?.safeParse(data);
  if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 500)}`);
  return data as any;
};
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid: 'staff-1' }, w.deps).then(checked(name)) as Promise<any>;
const supplier = (id: string, over: Record<string, unknown> = {}) => ({ id, name: `供应商${id}`, channel: 'WHOLESALE', contact: { name: '王老板', phone: '13800001111' }, leadDays: 1, ...over });
const greens = { id: 'p-greens', title: '上海青 500g', category: '蔬菜', priceFen: 500, costFen: 300, fresh: true };
/** Fen refunded at the gateway, each refund id once (a retried call reuses its id). */
const paidBack = (calls: { refundId: string; amountFen: number }[]) => [...new Map(calls.map((c) => [c.refundId, c.amountFen])).values()].reduce((a, x) => a + x, 0);
const poId = (supplierId: string) => `po_${D.replaceAll('-', '')}_${supplierId}`;

describe('suppliers with backups (DESIGN.md §14)', () => {
  it('a fresh product without a backup warns, and with requireFreshBackups on cannot be active', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, settings: { requireFreshBackups: true } });
    await staff(w, 'admin.createSupplier', supplier('s-a'));
    await staff(w, 'admin.createSupplier', supplier('s-b', { channel: 'ORIGIN' }));

    expect(codeOf(await staff(w, 'admin.upsertProduct', { ...greens, suppliers: ['s-a'] }).catch((e) => e))).toBe('INVALID_STATE');
    expect(codeOf(await staff(w, 'admin.upsertProduct', { ...greens, supplierId: 's-a' }).catch((e) => e))).toBe('INVALID_STATE');
    const inactive = await staff(w, 'admin.upsertProduct', { ...greens, supplierId: 's-a', status: 'inactive' });
    expect(inactive).toMatchObject({ suppliers: ['s-a'], supplierId: 's-a', status: 'inactive', warnings: ['NO_BACKUP_SUPPLIER'] });
    expect((await staff(w, 'admin.products', {})).find((p: any) => p.id === 'p-greens').warnings).toEqual(['NO_BACKUP_SUPPLIER']);

    const active = await staff(w, 'admin.upsertProduct', { ...greens, suppliers: ['s-a', 's-b'] });
    expect(active).toMatchObject({ supplierId: 's-a', suppliers: ['s-a', 's-b'], status: 'active', arrivalDays: 1 });
    expect(active.warnings).toBeUndefined();
    // A non-fresh product needs no backup; the old `supplierId` alone is its primary.
    const rice = await staff(w, 'admin.upsertProduct', { ...greens, id: 'p-dry', fresh: false, supplierId: 's-a' });
    expect(rice).toMatchObject({ suppliers: ['s-a'] });
    expect(rice.warnings).toBeUndefined();

    // The contact is sealed; staff see it masked.
    const listed = (await staff(w, 'admin.suppliers', {})).filter((s: any) => s.id === 's-a' || s.id === 's-b');
    expect(listed.map((s: any) => s.id)).toEqual(['s-a', 's-b']);
    expect(listed[0]).toMatchObject({ contactName: '王**', phoneTail: '1111' });
    expect(JSON.stringify(listed)).not.toContain('13800001111');
    expect(JSON.stringify(await w.store.get({ pk: 'S#s-a', sk: 'META' }))).not.toContain('13800001111');
    expect(codeOf(await staff(w, 'admin.updateSupplier', supplier('s-zz')).catch((e) => e))).toBe('NOT_FOUND');
  });
});

describe('purchase list, purchase orders and receiving', () => {
  /** 20 units of greens over 4 orders (5 each, paid a minute apart); the primary can deliver 15 a wave, the backup the rest; a 10% loss buffer. */
  async function wave() {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await staff(w, 'admin.createSupplier', supplier('s-a', { capacity: { 'p-greens': 15 } }));
    await staff(w, 'admin.createSupplier', supplier('s-b'));
    await staff(w, 'admin.upsertProduct', { ...greens, suppliers: ['s-a', 's-b'], lossBufferPct: 10 });
    const orders: Order[] = [];
    for (let i = 0; i < 4; i++)
      orders.push(await givenOrder(w, { communityId: i % 2 ? JA : XJH, userId: `u-${i}`, waveDate: D, paidAt: `${D}T10:0${i}:00+08:00`, lines: [{ productId: 'p-greens', qty: 5 }] }));
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    w.clock.set(`${D}T23:00:00+08:00`);
    return { w, orders, refunds: recordRefunds(w) };
  }

  it('buffers 10% (rounded up), splits to the backup by capacity, and writes one order per supplier, once', async () => {
    const { w } = await wave();
    const list = await staff(w, 'cutoff.purchaseList', { date: D });
    expect(list.products).toEqual([
      expect.objectContaining({ productId: 'p-greens', orderedQty: 20, bufferQty: 2, buyQty: 22, bySupplier: [{ supplierId: 's-a', qty: 15 }, { supplierId: 's-b', qty: 7 }], shortfallQty: 0, shortQty: 0, deliverQty: 20 }),
    ]);
    expect(list.suppliers.map((s: any) => [s.supplierId, s.qty, s.costAmountFen])).toEqual([
      ['s-a', 15, 4500],
      ['s-b', 7, 2100],
    ]);

    const { purchaseOrders } = await staff(w, 'cutoff.purchaseOrders', { date: D });
    expect(purchaseOrders.map((p: any) => [p.id, p.status, p.qty, p.amountFen])).toEqual([
      [poId('s-a'), 'SENT', 15, 4500],
      [poId('s-b'), 'SENT', 7, 2100],
    ]);
    expect(purchaseOrders[0].lines).toEqual([{ productId: 'p-greens', title: '上海青 500g', qty: 15, productOrderedQty: 20, costFen: 300, amountFen: 4500 }]);
    await staff(w, 'cutoff.purchaseOrderStatus', { id: poId('s-a'), status: 'CONFIRMED' });
    expect(codeOf(await staff(w, 'cutoff.purchaseOrderStatus', { id: poId('s-zz'), status: 'CONFIRMED' }).catch((e) => e))).toBe('NOT_FOUND');

    // The cutoff again (a resumed or repeated run) neither adds an order nor resets one.
    await runCutoff(w.deps, { date: D });
    const again = (await staff(w, 'cutoff.purchaseOrders', { date: D })).purchaseOrders;
    expect(again.map((p: any) => [p.id, p.status])).toEqual([
      [poId('s-a'), 'CONFIRMED'],
      [poId('s-b'), 'SENT'],
    ]);
    const csv = await staff(w, 'cutoff.purchaseOrders', { date: D, format: 'csv' });
    expect(String(Object.values(csv)[0])).toContain('上海青 500g');
  });

  it('a shortfall at receiving: the buffer absorbs it first, the rest (5 units) is refunded exactly once, even on retry', async () => {
    const { w, refunds } = await wave();
    const backup = await staff(w, 'cutoff.receive', { id: poId('s-b'), requestId: 'rcv-b', lines: [{ productId: 'p-greens', receivedQty: 7, rejectedQty: 0 }] });
    expect(backup).toMatchObject({ status: 'RECEIVED', shortages: [], refunds: [] });

    // The primary delivers 15, 7 of them rejected: 8 + 7 accepted for 20 ordered → 5 short (the 2 of buffer absorbed).
    const input = { id: poId('s-a'), requestId: 'rcv-a', lines: [{ productId: 'p-greens', receivedQty: 15, rejectedQty: 7, grade: 'B' }] };
    const [one, two] = await Promise.all([staff(w, 'cutoff.receive', input), staff(w, 'cutoff.receive', input)]);
    const again = await staff(w, 'cutoff.receive', input);
    for (const r of [one, two, again]) {
      expect(r.status).toBe('RECEIVED');
      expect(r.shortages).toEqual([expect.objectContaining({ productId: 'p-greens', qty: 5 })]);
      expect(r.refunds[0].refunded.reduce((a: number, x: any) => a + x.qty, 0)).toBe(5);
    }
    // Exactly 5 units reached the payment gateway, once: 500 fen a unit.
    expect(paidBack(refunds)).toBe(2500);
    const stored = [...(await w.store.query({ pk: `C#${XJH}`, prefix: `O#${D}#` })).items, ...(await w.store.query({ pk: `C#${JA}`, prefix: `O#${D}#` })).items].map(orderFromItem);
    expect(stored.reduce((a, o) => a + ((o as { refundedQty?: Record<string, number> }).refundedQty?.['p-greens'] ?? 0), 0)).toBe(5);

    const list = await staff(w, 'cutoff.purchaseList', { date: D });
    expect(list.products[0]).toMatchObject({ orderedQty: 20, shortQty: 5, deliverQty: 15 });
    // Another requestId for a received order is refused; nothing more is refunded.
    expect(codeOf(await staff(w, 'cutoff.receive', { ...input, requestId: 'rcv-other' }).catch((e) => e))).toBe('INVALID_STATE');
    expect(paidBack(refunds)).toBe(2500);

    // Quality: 22 received, 7 rejected in the month.
    const quality = await staff(w, 'admin.supplierQuality', { month: '2026-11' });
    expect(quality).toEqual([
      { supplierId: 's-a', receivedQty: 15, rejectedQty: 7, defectRate: 0.4667, qualityAfterSales: 0 },
      { supplierId: 's-b', receivedQty: 7, rejectedQty: 0, defectRate: 0, qualityAfterSales: 0 },
    ]);
  });

  it('rejects more than received, or a product not on the order, and changes nothing', async () => {
    const { w, refunds } = await wave();
    expect(codeOf(await staff(w, 'cutoff.receive', { id: poId('s-a'), requestId: 'x1', lines: [{ productId: 'p-greens', receivedQty: 3, rejectedQty: 4 }] }).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(codeOf(await staff(w, 'cutoff.receive', { id: poId('s-a'), requestId: 'x2', lines: [{ productId: 'p-rice', receivedQty: 3, rejectedQty: 0 }] }).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect((await staff(w, 'cutoff.purchaseOrders', { date: D })).purchaseOrders.map((p: any) => p.status)).toEqual(['SENT', 'SENT']);
    expect(refunds).toEqual([]);
  });
});

