import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { codeOf } from '#test/errors';
import { runCutoff } from '#app/cutoff/close-waves';
import { chooseShortUnits } from '#app/cutoff/shortages';
import { cutoffKeys } from '#app/cutoff/keys';
import { auditKeys } from '#app/audit/keys';
import { keys } from '#app/keys';
import { orderFromItem, orderKey, type Order } from '#app/orders/model';
import { allocateFen } from '#domain/money';
import { queryAll, type Item } from '#ports/item-store';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

const D = '2026-11-24';
const XJH = 'c-xujiahui';
const JA = 'c-jingan';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
/** Every answer is checked against the command's output schema (shared/app/outputs.ts); a CSV file (`format=csv`, text/csv over HTTP) is not JSON and is read below. */
const checked = (name: string) => (data: unknown) => {
  if (data && typeof data === 'object' && '__csv' in data) return data as any;
  const schema = outputOf(command(name));
  const r = schema?.safeParse(data);
  if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 500)}`);
  return data as any;
};
const asStaff = (w: TestWorld, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid: 'staff-1' }, w.deps).then(checked(name)) as Promise<any>;

/** Five paid orders of rice (1, 2, 1, 2, 1 bags: 7 in all) over two communities, paid one minute apart; each also has eggs. */
async function wave() {
  const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
  const orders: Order[] = [];
  const qty = [1, 2, 1, 2, 1];
  for (let i = 0; i < 5; i++) {
    orders.push(
      await givenOrder(w, {
        communityId: i % 2 === 0 ? XJH : JA,
        userId: `u-${i}`,
        waveDate: D,
        status: 'PAID',
        paidAt: `${D}T10:0${i}:00+08:00`,
        lines: [
          { productId: 'p-rice', qty: qty[i]!, paidFen: 1000 * qty[i]! + 1 },
          { productId: 'p-eggs', qty: 1 },
        ],
      }),
    );
  }
  w.clock.set(`${D}T22:00:00+08:00`);
  await runCutoff(w.deps, { date: D });
  w.clock.set(`${D}T23:00:00+08:00`);
  return { w, orders, refunds: recordRefunds(w) };
}

const stored = async (w: TestWorld, o: Order) => orderFromItem((await w.store.get(orderKey(o), { consistent: true }))!);
const riceOnPickLists = async (w: TestWorld) => {
  const { lists } = await asStaff(w, 'cutoff.pickLists', { date: D });
  return lists.flatMap((l: any) => l.products).filter((p: any) => p.productId === 'p-rice').reduce((a: number, p: any) => a + p.qty, 0);
};
const riceLabels = async (w: TestWorld) => {
  const { lists } = await asStaff(w, 'cutoff.pickLists', { date: D });
  return Object.fromEntries(lists.flatMap((l: any) => l.labels).map((x: any) => [x.shortNo, x.lines.filter((y: any) => y.title.includes('米')).reduce((a: number, y: any) => a + y.qty, 0)]));
};

/** Units of each paid line in fen, as refundShare splits them (largest remainder). */
const unitFen = (paidFen: number, qty: number, from: number, n: number) => allocateFen(paidFen, Array.from({ length: qty }, () => 1)).slice(from, from + n).reduce((a, x) => a + x, 0);

describe('shortages (缺货) after the cutoff', () => {
  it('the rule: latest paid first, whole units, never more than an order still has', () => {
    const plan = chooseShortUnits(
      [
        { orderId: 'a', communityId: 'c', paidAt: '2026-11-24T10:00:00+08:00', available: 2 },
        { orderId: 'b', communityId: 'c', paidAt: '2026-11-24T10:05:00+08:00', available: 1 },
        { orderId: 'c', communityId: 'c', paidAt: '2026-11-24T10:03:00+08:00', available: 0 },
        { orderId: 'd', communityId: 'c', paidAt: '2026-11-24T10:03:00+08:00', available: 2 },
      ],
      4,
    );
    expect(plan).toEqual([
      { orderId: 'b', communityId: 'c', qty: 1 },
      { orderId: 'd', communityId: 'c', qty: 2 },
      { orderId: 'a', communityId: 'c', qty: 1 },
    ]);
  });

  it('3 units short across 5 orders: exactly 3 units refunded once, even when posted twice at once; pick lists and purchase list follow', async () => {
    const { w, orders, refunds } = await wave();
    expect(await riceOnPickLists(w)).toBe(7);
    const input = { date: D, requestId: 'short-rice-1', productId: 'p-rice', shortQty: 3, reason: '供应商少送' };

    const [a, b] = await Promise.all([asStaff(w, 'cutoff.shortage', input), asStaff(w, 'cutoff.shortage', input)]);
    // Latest paid first: order 4 (1 bag), then order 3 (2 bags) — 3 units, whole units.
    const want = [
      { orderId: orders[4]!.id, qty: 1, refundFen: unitFen(1001, 1, 0, 1) },
      { orderId: orders[3]!.id, qty: 2, refundFen: unitFen(2001, 2, 0, 2) },
    ];
    expect(a).toEqual({ refunded: want, remainingShortQty: 0 });
    expect(b).toEqual(a);
    // Again later: the same answer, nothing more.
    expect(await asStaff(w, 'cutoff.shortage', input)).toEqual(a);

    // Money: one refund per chosen order, exactly those fen, sent to the gateway once each.
    const after = await Promise.all(orders.map((o) => stored(w, o)));
    expect(after.map((o) => o.refunds.length)).toEqual([0, 0, 0, 1, 1]);
    expect(after[4]!.refunds[0]!.amountFen).toBe(want[0]!.refundFen);
    expect(after[3]!.refunds[0]!.amountFen).toBe(want[1]!.refundFen);
    expect(refunds.map((r) => [r.orderId, r.amountFen]).sort()).toEqual(want.map((x) => [x.orderId, x.refundFen]).sort());
    expect(after.map((o) => (o as any).refundedQty?.['p-rice'] ?? 0)).toEqual([0, 0, 0, 2, 1]);
    // The customers' refund pushes, one each.
    const outbox: Item[] = [];
    for (let s = 0; s < 4; s++) outbox.push(...(await queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })));
    const refundMsgs = outbox.filter((m) => m.key === 'refundResult');
    expect(refundMsgs.map((m) => (m.payload as any).orderId).sort()).toEqual([orders[3]!.id, orders[4]!.id].sort());

    // Pick lists: 3 bags fewer; order 4 keeps its label with eggs only, order 3 loses its rice.
    expect(await riceOnPickLists(w)).toBe(4);
    const labels = await riceLabels(w);
    expect(labels[orders[4]!.shortNo]).toBe(0);
    expect(labels[orders[3]!.shortNo]).toBe(0);
    expect(labels[orders[2]!.shortNo]).toBe(1);
    expect(labels[orders[1]!.shortNo]).toBe(2);

    // Purchase list: ordered, short, to deliver.
    const list = await asStaff(w, 'cutoff.purchaseList', { date: D });
    const rice = list.suppliers.flatMap((s: any) => s.lines).find((l: any) => l.productId === 'p-rice');
    expect(rice).toMatchObject({ qty: 7, shortQty: 3, deliverQty: 4 });
    const eggs = list.suppliers.flatMap((s: any) => s.lines).find((l: any) => l.productId === 'p-eggs');
    expect(eggs).toMatchObject({ qty: 5, shortQty: 0, deliverQty: 5 });
    const csv = (await asStaff(w, 'cutoff.purchaseList', { date: D, format: 'csv' })).__csv as string;
    expect(csv.split('\r\n')[0]).toContain('数量,缺货数量,应送数量');
    expect(csv.split('\r\n').find((r) => r.includes(',p-rice,'))).toMatch(/,7,3,4,/);

    // One audit entry for the shortage, however many times it was posted.
    const audit = await queryAll(w.store, { ...auditKeys.byTarget(`${D}/p-rice`) });
    expect(audit.map((x) => x.command)).toEqual(['cutoff.shortage']);
  });

  it('a second shortage of the product takes the next units; more than is left → INVALID_STATE and nothing changes', async () => {
    const { w, orders } = await wave();
    await asStaff(w, 'cutoff.shortage', { date: D, requestId: 's1', productId: 'p-rice', shortQty: 3, reason: '少送' });
    const second = await asStaff(w, 'cutoff.shortage', { date: D, requestId: 's2', productId: 'p-rice', shortQty: 2, reason: '又少送' });
    expect(second.refunded.map((r: any) => [r.orderId, r.qty])).toEqual([
      [orders[2]!.id, 1],
      [orders[1]!.id, 1],
    ]);
    const before = await Promise.all(orders.map((o) => stored(w, o)));
    expect(codeOf(await asStaff(w, 'cutoff.shortage', { date: D, requestId: 's3', productId: 'p-rice', shortQty: 3, reason: 'x' }).catch((e) => e))).toBe('INVALID_STATE');
    expect(await Promise.all(orders.map((o) => stored(w, o)))).toEqual(before);
    expect(await w.store.get(cutoffKeys.shortage(D, 's3'))).toBeUndefined();
    // The same requestId for another shortage is refused.
    expect(codeOf(await asStaff(w, 'cutoff.shortage', { date: D, requestId: 's1', productId: 'p-rice', shortQty: 1, reason: 'x' }).catch((e) => e))).toBe('INVALID_STATE');
  });

  it('two different shortages of one product at once never choose the same units', async () => {
    const { w, orders } = await wave();
    const [a, b] = await Promise.all([
      asStaff(w, 'cutoff.shortage', { date: D, requestId: 'p1', productId: 'p-rice', shortQty: 3, reason: '少送' }),
      asStaff(w, 'cutoff.shortage', { date: D, requestId: 'p2', productId: 'p-rice', shortQty: 3, reason: '又少送' }),
    ]);
    expect([a, b].map((r) => r.refunded.reduce((n: number, x: any) => n + x.qty, 0))).toEqual([3, 3]);
    const after = await Promise.all(orders.map((o) => stored(w, o)));
    const refunded = after.map((o) => (o as any).refundedQty?.['p-rice'] ?? 0);
    expect(refunded.reduce((n, x) => n + x, 0)).toBe(6);
    after.forEach((o, i) => expect(refunded[i]).toBeLessThanOrEqual(o.lines.find((l) => l.productId === 'p-rice')!.qty));
    expect(await riceOnPickLists(w)).toBe(1);
  });

  it('before the cutoff a shortage is refused and nothing changes', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'PAID', lines: [{ productId: 'p-rice', qty: 2 }] });
    expect(codeOf(await asStaff(w, 'cutoff.shortage', { date: D, requestId: 'early', productId: 'p-rice', shortQty: 1, reason: 'x' }).catch((e) => e))).toBe('INVALID_STATE');
    expect(await queryAll(w.store, { ...cutoffKeys.shortages(D) })).toEqual([]);
  });
});
