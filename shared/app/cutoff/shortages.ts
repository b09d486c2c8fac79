import * as z from 'zod/mini';
import { bizDateSchema, id } from '#platform/schema';
import { userOf } from '#platform/dispatch';
import { defineCommand } from '#app/command';
import { AppError, isAppError } from '#domain/errors';
import { pickList } from '#domain/wave-reports';
import { toBizIso } from '#domain/time';
import { queryAll, TransactionCancelled, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { refundUnits, type RefundableOrder } from '../admin-orders/refund.ts';
import { reportOrder } from './close-community.ts';
import { cutoffKeys } from './keys.ts';
import { withoutAudit } from '../audit/audit.ts';
import { chunkPickList, type PickChunk } from './pick-chunks.ts';
import { withEffectiveStatus } from '../orders/effective.ts';

/** Orders locked at the cutoff and not yet picked up: what a shortage can leave unfilled. */
const SHORTABLE = new Set(['CONFIRMED', 'ARRIVED']);
/** Statuses whose orders are packed (on the pick lists) after the cutoff. */
const PACKED = new Set(['CONFIRMED', 'ARRIVED', 'PICKED_UP', 'DELIVERED']);
const MAX_ATTEMPTS = 6;

/** A staff requestId that also names the refunds it makes (`sh-<requestId>`, `rf-<requestId>`): short enough for a refund id. */
export const requestIdSchema = () => z.string().check(z.minLength(1), z.maxLength(32), z.regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'));

export const ShortageInput = z.object({
  date: bizDateSchema(),
  requestId: requestIdSchema(),
  productId: id(),
  shortQty: z.int().check(z.minimum(1), z.maximum(100_000)),
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
});

interface PlanEntry {
  orderId: string;
  communityId: string;
  qty: number;
}

interface ShortageRecord {
  requestId: string;
  date: string;
  productId: string;
  shortQty: number;
  reason: string;
  by: string;
  at: string;
  status: 'PLANNED' | 'DONE';
  plan: PlanEntry[];
  refunded?: { orderId: string; qty: number; refundFen: number }[];
}

export interface ShortageReport {
  refunded: { orderId: string; qty: number; refundFen: number }[];
  remainingShortQty: number;
}

const productUnits = (o: Order, productId: string) => o.lines.filter((l) => l.productId === productId).reduce((a, l) => a + l.qty, 0);
const tagOf = (requestId: string) => `sh-${requestId}`;

/**
 * The rule that chooses which units go unfilled (pure, deterministic): orders latest paid
 * first (`paidAt` descending, then order id descending), each giving whole units, at most
 * what it still has of the product (ordered less already refunded or held by another open
 * shortage), until `shortQty` is reached.
 */
export function chooseShortUnits(candidates: readonly { orderId: string; communityId: string; paidAt: string; available: number }[], shortQty: number): PlanEntry[] {
  const sorted = [...candidates].sort((a, b) => (a.paidAt === b.paidAt ? (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0) : a.paidAt < b.paidAt ? 1 : -1));
  const plan: PlanEntry[] = [];
  let left = shortQty;
  for (const c of sorted) {
    if (left <= 0) break;
    const qty = Math.min(left, c.available);
    if (qty <= 0) continue;
    plan.push({ orderId: c.orderId, communityId: c.communityId, qty });
    left -= qty;
  }
  return plan;
}

/**
 * Records a shortage (缺货) of a wave after its cutoff (DESIGN.md §9, API.md
 * `POST /admin/waves/{date}/shortages`). Steps:
 * 1. the wave's cutoff is complete (else INVALID_STATE);
 * 2. the request's record answers a repeat (same requestId: the same report, nothing more
 *    refunded; another shortage under that requestId → INVALID_STATE);
 * 3. otherwise the units are chosen (`chooseShortUnits`) from the wave's CONFIRMED / ARRIVED
 *    orders and the plan is stored with a not-exists condition and the product's shortage
 *    revision, so two concurrent posts of one request store one plan, and two different
 *    shortages of one product never choose the same units (the loser plans again);
 * 4. each planned order is refunded its units exactly once (`refundUnits`, tag
 *    `sh-<requestId>`: a concurrent or repeated run finds the refund done);
 * 5. the record is marked DONE with the refunds, and the affected communities' pick lists and
 *    labels are rebuilt from their orders; the purchase list shows the shortage when read
 *    (`shortQty`, `deliverQty`).
 * Too few units left to refund (more short than ordered) → INVALID_STATE, nothing changed.
 */
export async function recordShortage(deps: Deps, by: string, input: z.infer<typeof ShortageInput>): Promise<ShortageReport> {
  if (!(await deps.store.get(cutoffKeys.waveDone(input.date), { consistent: true })))
    throw new AppError('INVALID_STATE', `the cutoff of wave ${input.date} is not complete: shortages are recorded after it`, { date: input.date });
  for (let attempt = 1; ; attempt++) {
    const existing = await deps.store.get(cutoffKeys.shortage(input.date, input.requestId), { consistent: true });
    if (existing) {
      const record = existing as unknown as ShortageRecord;
      if (record.productId !== input.productId || record.shortQty !== input.shortQty)
        throw new AppError('INVALID_STATE', 'this requestId already recorded another shortage', { requestId: input.requestId, productId: record.productId, shortQty: record.shortQty });
      return execute(deps, record);
    }

    const revItem = await deps.store.get(cutoffKeys.shortageRev(input.date, input.productId), { consistent: true });
    const rev = Number(revItem?.rev ?? 0);
    const open = (await queryAll(deps.store, { ...cutoffKeys.shortages(input.date), consistent: true }))
      .map((it) => it as unknown as ShortageRecord)
      .filter((s) => s.productId === input.productId && s.status !== 'DONE');
    const candidates: { orderId: string; communityId: string; paidAt: string; available: number }[] = [];
    for (const part of await queryAll(deps.store, { ...cutoffKeys.parts(input.date), consistent: true })) {
      const communityId = String(part.communityId);
      for (const o of (await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(communityId, input.date), consistent: true })).map(orderFromItem))) as RefundableOrder[]) {
        if (!SHORTABLE.has(o.status)) continue;
        const ordered = productUnits(o, input.productId);
        if (ordered === 0) continue;
        // Units another open shortage chose here and has not refunded yet are taken.
        const held = open.flatMap((s) => (o.unitRefundTags?.includes(tagOf(s.requestId)) ? [] : s.plan.filter((p) => p.orderId === o.id))).reduce((a, p) => a + p.qty, 0);
        candidates.push({ orderId: o.id, communityId, paidAt: o.paidAt ?? o.createdAt, available: ordered - (o.refundedQty?.[input.productId] ?? 0) - held });
      }
    }
    const plan = chooseShortUnits(candidates, input.shortQty);
    const planned = plan.reduce((a, p) => a + p.qty, 0);
    if (planned < input.shortQty)
      throw new AppError('INVALID_STATE', `only ${planned} units of ${input.productId} are left to leave unfilled in wave ${input.date}`, { productId: input.productId, available: planned });

    const record: ShortageRecord = {
      requestId: input.requestId,
      date: input.date,
      productId: input.productId,
      shortQty: input.shortQty,
      reason: input.reason,
      by,
      at: toBizIso(deps.clock.now()),
      status: 'PLANNED',
      plan,
    };
    try {
      await deps.store.transact([
        { type: 'put', item: { ...cutoffKeys.shortage(input.date, input.requestId), kind: 'shortage', ...record }, when: [{ op: 'notExists' }] },
        {
          type: 'update',
          key: cutoffKeys.shortageRev(input.date, input.productId),
          update: { set: { rev: rev + 1 }, setIfAbsent: { productId: input.productId, date: input.date } },
          when: [rev === 0 ? { op: 'attrNotExists', path: 'rev' } : { op: 'eq', path: 'rev', value: rev }],
        },
      ]);
    } catch (e) {
      // A concurrent post of this request stored its plan (answered above), or another shortage of the product did: plan again.
      if (e instanceof TransactionCancelled && attempt < MAX_ATTEMPTS) continue;
      throw e;
    }
    return execute(deps, record);
  }
}

/**
 * Refunds a stored plan, once per order (a repeat finds each refund done), then records the
 * outcome and rebuilds the pick lists. These writes follow from the stored plan (the audited
 * write), so they carry no audit entry of their own.
 */
async function execute(audited: Deps, record: ShortageRecord): Promise<ShortageReport> {
  const deps = withoutAudit(audited);
  const refunded: ShortageReport['refunded'] = [];
  for (const p of record.plan) {
    try {
      const out = await refundUnits(deps, { communityId: p.communityId, waveDate: record.date, orderId: p.orderId }, { tag: tagOf(record.requestId), lines: [{ productId: record.productId, qty: p.qty }], reason: `缺货退款` });
      refunded.push({ orderId: p.orderId, qty: p.qty, refundFen: out.refundFen });
    } catch (e) {
      // Picked up or cancelled since the plan: those units are not refunded here (reported as remaining).
      if (!isAppError(e) || e.code !== 'INVALID_STATE') throw e;
    }
  }
  const report: ShortageReport = { refunded, remainingShortQty: record.shortQty - refunded.reduce((a, r) => a + r.qty, 0) };
  if (record.status !== 'DONE')
    await deps.store.write({ type: 'update', key: cutoffKeys.shortage(record.date, record.requestId), update: { set: { status: 'DONE', refunded, doneAt: toBizIso(deps.clock.now()) } } });
  for (const communityId of new Set(record.plan.map((p) => p.communityId))) await rewritePickList(deps, record.date, communityId);
  return report;
}

/**
 * Rebuilds one community's pick list and labels from its orders as they are now: the orders
 * packed after the cutoff, each with its lines less the refunded units, an order with nothing
 * left dropped. Idempotent (a function of the orders); called after every staff refund, cancel
 * or shortage of a closed wave.
 */
export async function rewritePickList(deps: Deps, date: string, communityId: string): Promise<void> {
  const head = await deps.store.get(cutoffKeys.pick(date, communityId, 0), { consistent: true });
  const community = head ? undefined : await deps.store.get(keys.community(communityId));
  const name = String((head as (Item & Partial<PickChunk>) | undefined)?.name ?? community?.name ?? communityId);
  const packed = async () =>
    (await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(communityId, date), consistent: true })).map(orderFromItem)))
      .filter((o) => PACKED.has(o.status))
      .map((o) => reportOrder({ ...o, status: 'CONFIRMED' }));
  // Written, then checked against the orders read again: a writer racing another refund of the
  // community (whose list may land first) writes again, so the last list written is never stale.
  let orders = await packed();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const list = pickList({ id: communityId, name }, orders);
    await deps.store.putMany(chunkPickList(list).map((c) => ({ ...cutoffKeys.pick(date, communityId, c.chunk), kind: 'pickList', date, ...c })));
    const again = await packed();
    if (JSON.stringify(again) === JSON.stringify(orders)) return;
    orders = again;
  }
}

/** `POST /admin/waves/{date}/shortages` (cutoff function). */
export const shortageCommand = defineCommand({
  name: 'cutoff.shortage',
  roles: ['owner', 'warehouse'],
  input: ShortageInput,
  http: { method: 'POST', path: '/admin/waves/{date}/shortages' },
  async run(ctx, input) {
    return recordShortage(ctx.deps, userOf(ctx).userId, input);
  },
});
