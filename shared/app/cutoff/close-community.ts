import { communityTotals, pickList, type CommunityTotals, type CutoffOrder } from '#domain/wave-reports';
import { putAttributedPart } from '../share/attributed.ts';
import { toBizIso } from '#domain/time';
import { waveArrivalAt } from '#domain/wave-clock';
import { ConditionFailed, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { failedGuard, guard } from '../guards.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import type { Community } from '../catalog/communities.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { cutoffKeys } from './keys.ts';
import { chunkPickList } from './pick-chunks.ts';
import { forEachLimit } from '../concurrency.ts';
import { confirmPaidOrders, settleOrderAtCutoff } from './settle-order.ts';
import { remainingLines } from '#domain/refund-share';
import { cancelOrder } from '../orders/cancel.ts';
import { waveGateKeys } from '../waves.ts';
import { isAppError } from '#domain/errors';
import { dissolveTeamOfOrder } from '../teams/dissolve.ts';
import { logger } from '#platform/logger';
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

/** Orders read per page, and settled at once per community (writes in flight = this × communities). */
const PAGE = 200;
const ORDER_CONCURRENCY = 4;
/** Paid orders locked per transaction (≤ 100, the transaction limit). */
const CONFIRM_BATCH = 50;

/**
 * Closes one community's wave (DESIGN.md §6). Steps:
 * 1. mark the community wave CLOSING: from this write on, placement's check refuses the wave
 *    (WAVE_CLOSED); an already CLOSED wave means nothing is left to do;
 * 2. read the wave's orders after that write, strongly consistent, page by page, and bring each
 *    to its state after cutoff (unpaid → CANCELLED with its holds back, paid → CONFIRMED, many
 *    in one transaction);
 * 3. totals and pick list of the confirmed orders; the pick list is written (a rerun rewrites
 *    the same items);
 * 4. one transaction: wave CLOSED (only from CLOSING), the community's totals (the checkpoint)
 *    and the leader's cutoff summary (when the wave has orders), so a crash anywhere before it
 *    is resumed from step 1, and after it the community is never touched again.
 * Memory holds one community's confirmed orders, projected to what the reports need.
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
    // CLOSED already: finish a sweep an earlier run did not get to.
    const wave = await deps.store.get(waveKey, { consistent: true });
    if (wave?.status === 'CLOSED' && !wave.sweptAt) await sweepClosedWave(deps, date, community.id);
    return outcome;
  }

  const locked: CutoffOrder[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.query({ ...keys.ordersOfWave(community.id, date), consistent: true, limit: PAGE, cursor });
    cursor = page.cursor;
    const orders = page.items.map(orderFromItem);
    const paid = orders.filter((o) => o.status === 'PAID');
    const batches: Order[][] = [];
    for (let i = 0; i < paid.length; i += CONFIRM_BATCH) batches.push(paid.slice(i, i + CONFIRM_BATCH));
    const settleOne = async (o: Order) => {
      const { order, did } = await settleOrderAtCutoff(deps, o);
      if (did === 'confirmed') outcome.confirmed++;
      if (did === 'cancelled') outcome.cancelled++;
      if (order.status === 'CONFIRMED') locked.push(reportOrder(order));
    };
    const work: (() => Promise<void>)[] = [
      ...batches.map((batch) => async () => {
        const confirmed = await confirmPaidOrders(deps, batch);
        if (!confirmed) {
          // One of them changed meanwhile (a cancel, a concurrent run): judge each on its own.
          for (const o of batch) await settleOne(o);
          return;
        }
        outcome.confirmed += confirmed.length;
        for (const o of confirmed) locked.push(reportOrder(o));
      }),
      ...orders.filter((o) => o.status !== 'PAID').map((o) => () => settleOne(o)),
      // A team still open in the closing wave dissolves: its waiting members are refunded, never confirmed.
      ...orders.filter((o) => o.status === 'TEAM_PENDING').map((o) => () => dissolveTeamOfOrder(deps, o)),
    ];
    await forEachLimit(work, ORDER_CONCURRENCY, (w) => w(), { stopOnError: true });
  } while (cursor);

  const totals = communityTotals(community, locked);
  if (totals.orders > 0) {
    const chunks = chunkPickList(pickList(community, locked));
    await deps.store.putMany(chunks.map((c) => ({ ...cutoffKeys.pick(date, community.id, c.chunk), kind: 'pickList', date, ...c })));
  }
  await putAttributedPart(deps, date, community.id, locked); // orders by the share scene's leader (shared/app/share/attributed.ts)
  const part: CommunityPart = { ...totals, date, newBuyers: newBuyersOf(locked) };
  const ops: WriteOp[] = [
    guard('closing', {
      type: 'update',
      key: waveKey,
      update: { set: { status: 'CLOSED', closedAt: toBizIso(deps.clock.now()), orders: totals.orders, units: totals.units } },
      when: [{ op: 'eq', path: 'status', value: 'CLOSING' }],
    }),
    { type: 'put', item: { ...cutoffKeys.part(date, community.id), kind: 'cutoffPart', ...part } },
  ];
  const summary = totals.orders > 0 ? await leaderSummaryOp(deps, date, community, totals) : undefined;
  if (summary) ops.push(summary);
  ops.push(...(await webhookEvents(deps, 'wave.closed', { date, communityId: community.id, orders: totals.orders, units: totals.units }, `${date}#${community.id}`)));
  try {
    await deps.store.transact(ops);
  } catch (e) {
    // A concurrent run closed it first: its part and summary stand (they are the same).
    if (failedGuard(e, ops) === 'closing') return outcome;
    throw e;
  }
  await sweepClosedWave(deps, date, community.id);
  return { ...outcome, closed: true };
}

/**
 * The sweep after a community's close: a PAID order left in the closed wave (a payment that
 * raced the close past every guard) is never stranded: it is cancelled and refunded in full,
 * once (`cancelOrder` is conditioned on its status). The wave records `sweptAt` when done, so
 * a run interrupted before that sweeps again. Returns how many orders it refunded.
 */
export async function sweepClosedWave(deps: Deps, date: string, communityId: string): Promise<number> {
  let refunded = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.query({ ...keys.ordersOfWave(communityId, date), consistent: true, limit: PAGE, cursor });
    cursor = page.cursor;
    for (const order of page.items.map(orderFromItem)) {
      if (order.status !== 'PAID') continue;
      try {
        await cancelOrder(deps, order, 'WAVE_CLOSED');
        refunded++;
        logger.warn('cutoff sweep: a paid order left in a closed wave was refunded', { orderId: order.id, communityId, date });
      } catch (e) {
        // Confirmed or cancelled meanwhile: nothing is stranded.
        if (!isAppError(e)) throw e;
      }
    }
  } while (cursor);
  await deps.store
    .write({ type: 'update', key: keys.communityWave(communityId, date), update: { set: { sweptAt: toBizIso(deps.clock.now()) } }, when: [{ op: 'eq', path: 'status', value: 'CLOSED' }] })
    .catch((e) => {
      if (!(e instanceof ConditionFailed)) throw e;
    });
  return refunded;
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
