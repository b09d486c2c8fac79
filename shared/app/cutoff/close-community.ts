import { communityTotals, pickList, type CommunityTotals, type CutoffOrder } from '#domain/wave-reports';
import { putAttributedPart } from '../share/attributed.ts';
import { toBizIso } from '#domain/time';
import { waveArrivalAt } from '#domain/wave-clock';
import { ConditionFailed, type Item, type Key, type WriteOp } from '#ports/item-store';
import { effectiveStatus } from '#domain/order-status';
import type { Deps } from '../deps.ts';
import { failedGuard, guard } from '../guards.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import type { Community } from '../catalog/communities.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { cutoffKeys } from './keys.ts';
import { chunkPickList } from './pick-chunks.ts';
import { forEachLimit } from '../concurrency.ts';
import { settleOrderAtCutoff } from './settle-order.ts';
import { remainingLines } from '#domain/refund-share';
import { waveGateKeys } from '../waves.ts';
import { dissolveTeamOfOrder } from '../teams/dissolve.ts';
import { webhookEvents } from '../webhooks/emit.ts';

/** A community's share of a wave as saved at its close: the checkpoint reports are merged from. */
export interface CommunityPart extends CommunityTotals {
  date: string;
  /** New customers (first-order claims) per product, for the dashboard's repurchase rate. */
  newBuyers: Record<string, number>;
}

export interface CommunityOutcome {
  communityId: string;
  /** False when the wave was already closed (an earlier or a concurrent run did it). */
  closed: boolean;
  confirmed: number;
  cancelled: number;
}

/** Orders read per page, and unpaid ones cancelled at once per community (writes in flight = this × communities). */
const PAGE = 200;
const ORDER_CONCURRENCY = 4;

/**
 * Closes one community's wave (DESIGN.md §6) with the minimum writes (issue 19): a paid order
 * is not written — it reads CONFIRMED once the wave is CLOSED (shared/domain/order-status.ts).
 * Steps:
 * 1. mark the community wave and its gates CLOSING: from this write on, placement and payment
 *    refuse the wave (WAVE_CLOSED), and so does a cancel of a paid order (orders/cancel.ts), so
 *    the paid orders read next are exactly the ones the close locks; an already CLOSED wave
 *    means nothing is left to do;
 * 2. read the wave's orders after that write, strongly consistent, page by page: an unpaid one
 *    is cancelled with its holds given back (the only order writes), an open team dissolves,
 *    a PAID (or legacy CONFIRMED) one is kept, as it is, for the reports;
 * 3. totals and pick list of the locked orders; the pick list is written (a rerun rewrites
 *    the same items);
 * 4. one transaction: wave CLOSED (only from CLOSING) — which locks every paid order of it —
 *    the community's totals (the checkpoint) and the leader's cutoff summary (when the wave
 *    has orders), so a crash anywhere before it is resumed from step 1, and after it the
 *    community is never touched again.
 * Memory holds one community's locked orders, projected to what the reports need.
 */
export async function closeCommunityWave(deps: Deps, date: string, community: Community): Promise<CommunityOutcome> {
  const outcome: CommunityOutcome = { communityId: community.id, closed: false, confirmed: 0, cancelled: 0 };
  const waveKey = keys.communityWave(community.id, date);
  // The wave and its gates in one write: a placement or payment checking a gate fails from now on.
  const closing: WriteOp[] = [
    guard('notClosed', {
      type: 'update',
      key: waveKey,
      update: { set: { status: 'CLOSING' }, setIfAbsent: { communityId: community.id, date, closingAt: toBizIso(deps.clock.now()) } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'in', path: 'status', values: ['OPEN', 'CLOSING'] }] }],
    }),
    ...waveGateKeys(community.id, date).map((key): WriteOp => ({ type: 'update', key, update: { set: { status: 'CLOSING' } } })),
  ];
  try {
    await deps.store.transact(closing);
  } catch (e) {
    if (failedGuard(e, closing) !== 'notClosed') throw e;
    // CLOSED already (by this code, or by the code before issue 19 that swept after the close).
    const wave = await deps.store.get(waveKey, { consistent: true });
    if (wave?.status === 'CLOSED' && !wave.sweptAt) await markSwept(deps, waveKey);
    return outcome;
  }

  const locked: CutoffOrder[] = [];
  const lock = (o: Order) => locked.push(reportOrder({ ...o, status: effectiveStatus(o.status, true) }));
  let cursor: string | undefined;
  do {
    const page = await deps.store.query({ ...keys.ordersOfWave(community.id, date), consistent: true, limit: PAGE, cursor });
    cursor = page.cursor;
    const orders = page.items.map(orderFromItem);
    for (const o of orders) {
      if (o.status === 'PAID') outcome.confirmed++;
      if (o.status === 'PAID' || o.status === 'CONFIRMED') lock(o);
    }
    const work: (() => Promise<void>)[] = [
      ...orders
        .filter((o) => o.status === 'PENDING_PAYMENT')
        .map((o) => async () => {
          const { order, did } = await settleOrderAtCutoff(deps, o);
          if (did === 'cancelled') outcome.cancelled++;
          // Paid just before the close after all (the gates refuse any payment after it): locked.
          if (order.status === 'PAID') {
            outcome.confirmed++;
            lock(order);
          }
        }),
      // A team still open in the closing wave dissolves: its waiting members are refunded, never confirmed.
      ...orders.filter((o) => o.status === 'TEAM_PENDING').map((o) => () => dissolveTeamOfOrder(deps, o)),
    ];
    await forEachLimit(work, ORDER_CONCURRENCY, (w) => w(), { stopOnError: true });
  } while (cursor);

  const totals = communityTotals(community, locked);
  // The pick list, the attributed part, the leader and the webhook endpoints at once (independent round trips).
  const [, , summary, events] = await Promise.all([
    totals.orders > 0
      ? deps.store.putMany(chunkPickList(pickList(community, locked)).map((c) => ({ ...cutoffKeys.pick(date, community.id, c.chunk), kind: 'pickList', date, ...c })))
      : undefined,
    putAttributedPart(deps, date, community.id, locked), // orders by the share scene's leader (shared/app/share/attributed.ts)
    totals.orders > 0 ? leaderSummaryOp(deps, date, community, totals) : undefined,
    webhookEvents(deps, 'wave.closed', { date, communityId: community.id, orders: totals.orders, units: totals.units }, `${date}#${community.id}`),
  ]);
  const part: CommunityPart = { ...totals, date, newBuyers: newBuyersOf(locked) };
  const closedAt = toBizIso(deps.clock.now());
  const ops: WriteOp[] = [
    // `sweptAt` with the close: nothing is left to sweep (before issue 19 a second pass looked for paid orders here).
    guard('closing', {
      type: 'update',
      key: waveKey,
      update: { set: { status: 'CLOSED', closedAt, sweptAt: closedAt, orders: totals.orders, units: totals.units } },
      when: [{ op: 'eq', path: 'status', value: 'CLOSING' }],
    }),
    { type: 'put', item: { ...cutoffKeys.part(date, community.id), kind: 'cutoffPart', ...part } },
  ];
  if (summary) ops.push(summary);
  ops.push(...events);
  try {
    await deps.store.transact(ops);
  } catch (e) {
    // A concurrent run closed it first: its part and summary stand (they are the same), and its close locked the paid orders.
    if (failedGuard(e, ops) === 'closing') return { ...outcome, confirmed: 0 };
    throw e;
  }
  return { ...outcome, closed: true };
}

/** A wave CLOSED by the code before issue 19 whose sweep did not run: its paid orders were confirmed by writes, nothing is stranded. */
async function markSwept(deps: Deps, waveKey: Key): Promise<void> {
  await deps.store
    .write({ type: 'update', key: waveKey, update: { set: { sweptAt: toBizIso(deps.clock.now()) } }, when: [{ op: 'eq', path: 'status', value: 'CLOSED' }] })
    .catch((e) => {
      if (!(e instanceof ConditionFailed)) throw e;
    });
}

/**
 * What the reports need of a confirmed order (no contact beyond the masked name and tail, never
 * the pickup code): its lines less the units staff refunded (admin-orders, shortages).
 */
export function reportOrder(o: Order): CutoffOrder {
  const left = remainingLines(o.lines, (o as { refundedQty?: Record<string, number> }).refundedQty ?? {});
  const lines = o.lines
    .map((l, i) => ({ productId: l.productId, title: l.title, qty: left[i]!.qty, unitPriceFen: l.unitPriceFen, paidFen: left[i]!.paidFen, ...(l.arrivalDays === 2 ? { arrivalDays: 2 as const } : {}) }))
    .filter((l) => l.qty > 0);
  return {
    id: o.id,
    communityId: o.communityId,
    userId: o.userId,
    // Every unit refunded: nothing to pack or count (the reports count CONFIRMED orders only).
    status: lines.length ? o.status : 'REFUNDED',
    shortNo: o.shortNo,
    contactName: o.contactMasked,
    phoneTail: o.phoneTail,
    lines,
    createdAt: o.createdAt,
    newCustomer: o.firstOrder === true,
    ...(o.attribution?.leaderId ? { attributedLeaderId: o.attribution.leaderId } : {}),
  };
}

/** Per product, the confirmed orders that were their customer's first (one per customer ever). */
function newBuyersOf(orders: readonly CutoffOrder[]): Record<string, number> {
  const out = new Map<string, number>();
  for (const o of orders) {
    if (!o.newCustomer) continue;
    for (const productId of new Set(o.lines.map((l) => l.productId))) out.set(productId, (out.get(productId) ?? 0) + 1);
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The leader's "截单：N单/M件，预计明日16:00到货" push, queued with the close. Deduplicated per
 * community and wave, so a second run or a concurrent one never queues it twice. None when the
 * community has no leader, or a removed one.
 */
async function leaderSummaryOp(deps: Deps, date: string, community: Community, totals: CommunityTotals): Promise<WriteOp | undefined> {
  if (!community.leaderId) return undefined;
  const leader: Item | undefined = await deps.store.get(keys.leader(community.leaderId));
  if (!leader || leader.status === 'removed' || typeof leader.openid !== 'string') return undefined;
  return outboxOp(deps, {
    key: 'cutoffSummary',
    touser: leader.openid,
    payload: { waveDate: date, orderCount: totals.orders, itemCount: totals.units, expectedArrivalAt: toBizIso(waveArrivalAt(deps.settings, date)) },
    dedupe: `cutoff#${community.id}#${date}`,
  });
}
