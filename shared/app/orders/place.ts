import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { maskName } from '#domain/masking';
import { commissionRateOf } from '#domain/commission';
import { ConditionFailed, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { PaymentParams } from '#ports/payment';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { phoneIndexOp } from '../admin-orders/phone-index.ts';
import { flashActive, flashShardCapacities, getProductsCached, type Product } from '../catalog/products.ts';
import { priceFor } from './quote.ts';
import { waveOpenCheck } from '../waves.ts';
import { findOrder, orderUserIndex, orderView, pendingIndex, type Order, type OrderLine } from './model.ts';
import { MAX_UNPAID_ORDERS, unpaidSlotHoldOp } from './release.ts';
import { deliveriesOf } from '../supply/deliveries.ts';
import type { PlaceInput } from './schemas.ts';
import { forgetCached, revCheck } from '../read-cache.ts';
import { claimFlash, enterFlashGate, flashMarker, flashView, isSoldOut, markSoldOut, stockMarker, waitingRead } from './sold-out.ts';
import { balanceHold, insufficientBalance } from '../wallet/balance.ts';
import { payByBalance } from '../wallet/pay-by-balance.ts';
import { attributionOf } from '../share/attribution.ts';
import { priceTeamOrder, teamHoldOps, type TeamPricedBasket } from '../teams/place.ts';
import { forgetGifts, giftHold } from '../coupons/gifts.ts';

/** What an operation of the placing transaction guards, to name the failure precisely. */
export type Guard =
  | { kind: 'wave' }
  | { kind: 'unpaid' }
  | { kind: 'stock'; productId: string; limit: number }
  | { kind: 'flash'; productId: string; shard: number }
  | { kind: 'limit'; productId: string; limit: number }
  | { kind: 'coupon'; couponId: string }
  | { kind: 'user' }
  | { kind: 'request' }
  | { kind: 'order' }
  | { kind: 'product'; productId: string }
  | { kind: 'balance' }
  | { kind: 'team'; failure: (current?: Item) => AppError }
  | { kind: 'gift'; giftId: string; changed?: true };

const FLASH_ATTEMPTS = 4;
const BALANCE_ATTEMPTS = 8;
const add = (ops: WriteOp[], guards: Guard[], op: WriteOp, guard: Guard) => {
  ops.push(op);
  guards.push(guard);
};

/**
 * Stable fingerprint of what the customer asked, to tell a retry from a reused requestId. It
 * covers the contact's name and phone, so it is keyed (HMAC, `deps.contacts.mac`), never a bare
 * SHA-256 anyone could test guessed names and phones against.
 */
function inputHash(deps: Deps, input: PlaceInput): string {
  const canonical = JSON.stringify({
    c: input.communityId,
    i: input.items.map((i) => [i.productId, i.qty]),
    k: input.couponId ?? null,
    p: input.points ?? 0,
    n: input.contact.name,
    t: input.contact.phone,
    a: input.contact.address ?? null,
    ...(input.useBalance ? { b: input.useBalance } : {}),
    ...(input.delivery ? { d: [input.delivery.addressId, input.delivery.slot] } : {}),
    ...(input.team ? { m: [input.team.offerId, input.team.teamId ?? null] } : {}),
  });
  return deps.contacts.mac(canonical);
}

/** Team orders are priced by their offer (teams/place.ts), every other by the basket's rules. */
const priceOrder = (deps: Deps, userId: string, input: PlaceInput) => (input.team ? priceTeamOrder(deps, userId, input) : priceFor(deps, userId, input));

export interface Placed {
  order: ReturnType<typeof orderView>;
  /** Null when the balance paid everything. */
  payment: PaymentParams | null;
}

/**
 * Places an order as one transaction (DESIGN.md §5). Steps: replay a known requestId → price
 * the basket → build the holds (wave open, stock, limits, coupon, points, first order) →
 * commit all or nothing, naming the failed condition → prepay, whose parameters the
 * response carries so browse → order → pay is three steps.
 */
export async function placeOrder(deps: Deps, userId: string, input: PlaceInput): Promise<Placed> {
  // A basket with a running flash sale goes through the sale's gate on this instance (sold-out.ts).
  const marker = await flashMarkerOf(deps, input);
  if (!marker) return placeAdmitted(deps, userId, input);
  const soldOut = () => new AppError('OUT_OF_STOCK', 'the flash sale is sold out', { productId: marker.productId, remaining: 0 });
  // A buyer who must wait for a turn looks for a replay of the requestId meanwhile (a retry of a
  // placed order gets its order), so the sell-out answers every waiter at once. A retry arriving
  // while its first call is still committing may hear OUT_OF_STOCK; once that call answered, its
  // order is found.
  let early: { result: Promise<Placed | undefined>; drop: () => void } | undefined;
  const hash = inputHash(deps, input);
  const replay = () => replayOf(deps, userId, input.requestId, hash);
  const waitForReplay = () => {
    // The waiters' replay checks are read together (sold-out.ts waitingRead); a record found goes on as any replay.
    const read = waitingRead(deps, keys.idempotency(userId, input.requestId));
    early = { result: read.result.then((rec) => replayFrom(deps, userId, input.requestId, hash, rec)), drop: read.drop };
    early.result.catch(() => {});
  };
  let leave: () => void;
  try {
    leave = await enterFlashGate(deps, marker.marker, soldOut, waitForReplay);
  } catch (e) {
    // A retried request that was placed before the sale sold out still gets its order.
    const placed = await (early ? early.result : replay());
    if (placed) return placed;
    throw e;
  }
  try {
    // Admitted: a replay check not yet sent is not needed (placing tells a replay itself); one under way is awaited.
    early?.drop();
    const placed = early && (await early.result);
    if (placed) return placed;
    // The gate is left once the transaction committed (prepaying needs no turn) or failed.
    return await placeAdmitted(deps, userId, input, leave, hash);
  } finally {
    leave();
  }
}

/** The sold-out marker of the first running flash sale in the basket, from the cached products (a flash basket's first buyers read them once for all). */
async function flashMarkerOf(deps: Deps, input: PlaceInput): Promise<{ marker: string; productId: string } | undefined> {
  const products = await getProductsCached(deps, input.items.map((i) => i.productId));
  const now = deps.clock.now();
  for (const p of products.values()) if (flashActive(p, now)) return { marker: flashMarker(p.id, p.flashSale!.id), productId: p.id };
  return undefined;
}

async function placeAdmitted(deps: Deps, userId: string, input: PlaceInput, committed?: () => void, hash = inputHash(deps, input)): Promise<Placed> {
  // No read of the idempotency record first: the transaction's `notExists` on it tells a replay,
  // and a placement that fails for any other reason looks for one then (a replay wins over any
  // error of placing the basket anew: pricing, stock, limits, a closed wave …).
  let order: Order;
  try {
    order = await commitOrder(deps, userId, input, hash, committed);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    const replay = await replayOf(deps, userId, input.requestId, hash);
    if (replay) return replay;
    throw e;
  }
  // Paid wholly by the balance: PAID at once, through the payment path (pickup code, binding, counters).
  if (order.balance && order.amounts.payableFen === 0) order = await payByBalance(deps, order);
  return firstResponse(deps, userId, input.requestId, order);
}

/** Prices the basket, builds the holds and commits the order; a failed condition is named (AppError). */
async function commitOrder(deps: Deps, userId: string, input: PlaceInput, hash: string, committed?: () => void): Promise<Order> {
  // The scene's attribution is read beside the pricing reads (it depends on no price).
  const [firstPricing, attribution] = await Promise.all([priceOrder(deps, userId, input), attributionOf(deps, input.scene)]);
  const giftsGone = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    // The flash units this attempt takes on shards (allocateFlash), settled however it ends.
    const claims: FlashClaim[] = [];
    const outcome: { committed: boolean; full?: { productId: string; shard: number } } = { committed: false };
    try {
      const priced = attempt === 1 ? firstPricing : await priceOrder(deps, userId, input);
      // A delivery order's contact is its address's recipient and the full address (shared/app/delivery).
      const contact = priced.delivery?.contact ?? input.contact;
      const now = deps.clock.now();
      const orderId = deps.ids.newId();
      const createdAt = toBizIso(now);
      const lines: OrderLine[] = priced.quote.lines.map((l) => {
        const p = priced.products.get(l.productId)!;
        return {
          productId: l.productId,
          title: l.title,
          qty: l.qty,
          unitPriceFen: l.unitPriceFen,
          paidFen: l.paidFen,
          fresh: p.fresh,
          commissionRate: commissionRateOf(p.commissionRate, deps.settings.defaultCommissionRate),
          supplierId: p.supplierId,
          flash: l.flash,
          ...(l.flash ? { flashSaleId: p.flashSale!.id } : {}),
          ...(p.arrivalDays === 2 ? { arrivalDays: 2 as const } : {}), // 隔日达 (shared/domain/deliveries.ts)
        };
      });
      // The sold-out fast path: a sale or wave stock this instance just saw sold out is answered without a transaction.
      refuseSoldOut(deps, priced.waveDate, lines, priced.products);
      // The holds, the balance part (wallet/balance.ts: its conditioned debit joins this transaction) and
      // a 满赠 gift (coupons/gifts.ts) read what they need at once.
      // All settled before going on, so every flash claim holdOps takes is known to the `finally` below.
      const [{ ops, guards, lines: heldLines }, bal, gift] = await allOrFirstError([
        holdOps(deps, userId, priced.waveDate, input.communityId, lines, priced.products, priced.quote, orderId, claims),
        balanceHold(deps, userId, input.useBalance, { id: orderId, amounts: priced.quote.amounts }),
        input.team ? undefined : giftHold(deps, priced, giftsGone),
      ] as const);
      if (bal) for (const op of bal.ops) add(ops, guards, op, { kind: 'balance' });
      // A team order (拼团) also holds the offer's stock and limit and the team's place (teams/place.ts).
      const team = input.team ? teamHoldOps(deps, userId, input.communityId, priced as TeamPricedBasket, orderId, now) : undefined;
      if (team) {
        ops.push(...team.ops);
        guards.push(...team.guards);
      }
      // A 满赠 gift line at 0 fen while the gift's stock lasts.
      if (gift) {
        heldLines.push(gift.line);
        // Its stock's hold, then (where a check is a read) the check that the gift is the one read.
        for (const [k, op] of gift.ops.entries()) add(ops, guards, op, { kind: 'gift', giftId: gift.giftId, ...(k > 0 ? { changed: true as const } : {}) });
      }
      const order: Order = {
        id: orderId,
        shortNo: orderId.slice(-6),
        communityId: input.communityId,
        waveDate: priced.waveDate,
        userId,
        status: 'PENDING_PAYMENT',
        lines: heldLines,
        amounts: bal ? { ...priced.quote.amounts, ...bal.amounts } : priced.quote.amounts,
        ...(bal ? { balance: bal.balance } : {}),
        ...(priced.quote.couponId ? { couponId: priced.quote.couponId } : {}),
        pointsUsed: priced.quote.pointsUsed,
        firstOrder: priced.quote.firstOrder,
        contactSealed: deps.contacts.encrypt(JSON.stringify(contact), sealedRecord.orderContact(orderId)),
        contactMasked: maskName(contact.name),
        phoneTail: contact.phone.slice(-4),
        ...(priced.delivery ? { delivery: priced.delivery.delivery } : {}),
        requestId: input.requestId,
        createdAt,
        payBy: toBizIso(now + deps.settings.payWindowMinutes * 60_000),
        refunds: [],
        // An order the balance pays wholly is paid at once: it takes no unpaid-order slot.
        unpaidSlot: !(bal && bal.amounts.payableFen === 0),
        ...(attribution ? { attribution } : {}),
        ...deliveriesOf(priced.waveDate, lines, deps.settings.arrivalTime), // a mixed 次日达/隔日达 order: one delivery per arrival date
        ...(team ? { team: team.ref } : {}),
      };
      // First, so a customer at the limit hears RATE_LIMITED whatever else failed.
      if (order.unpaidSlot) {
        ops.unshift(unpaidSlotHoldOp(userId));
        guards.unshift({ kind: 'unpaid' });
      }
      ops.push(
        {
          type: 'put',
          item: { ...keys.idempotency(userId, input.requestId), orderId, hash, communityId: input.communityId, waveDate: priced.waveDate, createdAt, expiresAt: Math.floor(now / 1000) + 7 * 86400 },
          when: [{ op: 'notExists' }],
        },
        { type: 'put', item: { ...keys.order(input.communityId, priced.waveDate, orderId), ...orderUserIndex(order), ...pendingIndex(order), ...order }, when: [{ op: 'notExists' }] },
        { type: 'put', item: { ...keys.orderRef(orderId), communityId: input.communityId, waveDate: priced.waveDate, userId } },
        // The phone's keyed blind index beside the sealed contact: staff find the order by the full number (admin-orders).
        phoneIndexOp(deps, order, contact.phone).op,
      );
      guards.push({ kind: 'request' }, { kind: 'order' }, { kind: 'order' }, { kind: 'order' });
      try {
        await deps.store.transact(ops);
        outcome.committed = true;
        committed?.();
        return order;
      } catch (e) {
        if (!(e instanceof TransactionCancelled)) throw e;
        // A twin with the same requestId wins over every other failed condition (placeAdmitted answers its order).
        const requestAt = guards.findIndex((g) => g.kind === 'request');
        const i = e.reasons[requestAt]?.code === 'ConditionalCheckFailed' ? requestAt : e.failedAt();
        const guard = guards[i];
        const current = (e.reasons[i] as { current?: Item } | null)?.current;
        if (guard?.kind === 'flash') outcome.full = { productId: guard.productId, shard: guard.shard };
        // A flash shard filled up before our commit: another shard (allocateFlash finds the sale sold out from a fresh read).
        if (guard?.kind === 'flash' && attempt < deps.settings.flashShards + FLASH_ATTEMPTS) continue;
        // The gift changed after the cached copy we read: read the gifts again.
        if (guard?.kind === 'gift' && guard.changed && attempt < 6) {
          forgetGifts(deps);
          continue;
        }
        // The gift ran out meanwhile: the order goes without it.
        if (guard?.kind === 'gift' && attempt < 6) {
          giftsGone.add(guard.giftId);
          continue;
        }
        // The wave closed while we priced: the next attempt lands in the next open wave.
        if (guard?.kind === 'wave' && attempt < 2) {
          forgetCached(deps, [keys.communityWave(input.communityId, priced.waveDate)]);
          continue;
        }
        // A product changed after the cached copy we priced with: price it again from a fresh read.
        if (guard?.kind === 'product' && attempt < 3) {
          forgetCached(deps, input.items.map((i) => keys.product(i.productId)));
          continue;
        }
        // The wallet moved meanwhile (another order, a recharge): read it again.
        if (bal && (guard?.kind === 'balance' || i < 0) && attempt < BALANCE_ATTEMPTS) continue;
        if (guard?.kind === 'stock') markSoldOut(deps, stockMarker(guard.productId, priced.waveDate));
        throw failureOf(guard, current);
      }
    } finally {
      for (const c of claims) c.settle({ committed: outcome.committed, ...(outcome.full?.productId === c.productId ? { full: outcome.full.shard } : {}) });
    }
  }
}


/** As Promise.all, but waits for every promise to settle before throwing the first error. */
async function allOrFirstError<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

function failureOf(guard: Guard | undefined, current: Item | undefined): AppError {
  switch (guard?.kind) {
    case 'wave':
      return new AppError('WAVE_CLOSED', 'this wave is closed for orders');
    case 'unpaid':
      return new AppError('RATE_LIMITED', `at most ${MAX_UNPAID_ORDERS} unpaid orders at once: pay or cancel one first`, { limit: MAX_UNPAID_ORDERS });
    case 'stock':
      return new AppError('OUT_OF_STOCK', `product ${guard.productId} is out of stock`, {
        productId: guard.productId,
        remaining: Math.max(0, guard.limit - Number(current?.sold ?? 0)),
      });
    case 'flash':
      return new AppError('OUT_OF_STOCK', `the flash sale of ${guard.productId} is sold out`, { productId: guard.productId, remaining: 0 });
    case 'limit':
      return new AppError('LIMIT_EXCEEDED', `at most ${guard.limit} of product ${guard.productId} per customer`, { productId: guard.productId, limit: guard.limit });
    case 'coupon':
      return new AppError('INVALID_STATE', 'the coupon was used', { couponId: guard.couponId, reason: 'USED' });
    case 'balance':
      return insufficientBalance();
    case 'user':
      return new AppError('INVALID_STATE', 'points or the first-order discount changed; quote again', {});
    case 'team':
      return guard.failure(current);
    default:
      return new AppError('INVALID_STATE', 'the order could not be placed; try again', {});
  }
}

/**
 * The conditional writes that hold stock, limits, coupon, points and the first-order claim,
 * and the lines with what each holds (`holds`, `flashShards`): new line objects, the input is
 * left as it was.
 */
export async function holdOps(
  deps: Deps,
  userId: string,
  waveDate: string,
  communityId: string,
  lines: readonly OrderLine[],
  products: Map<string, Product>,
  quote: Awaited<ReturnType<typeof priceFor>>['quote'],
  orderId: string,
  /** The flash units taken, to settle once the transaction ended (allocateFlash). */
  claims: FlashClaim[] = [],
): Promise<{ ops: WriteOp[]; guards: Guard[]; lines: OrderLine[] }> {
  const ops: WriteOp[] = [];
  const guards: Guard[] = [];
  const held: OrderLine[] = [];
  const add = (op: WriteOp, guard: Guard) => {
    ops.push(op);
    guards.push(guard);
  };
  add(waveOpenCheck(communityId, waveDate), { kind: 'wave' });
  for (const input of lines) {
    const p = products.get(input.productId)!;
    // Priced from the per-instance cache (read-cache.ts): the product must still be the one priced.
    const unchanged = revCheck(deps, keys.product(p.id), p.rev);
    if (unchanged) add(unchanged, { kind: 'product', productId: p.id });
    if (input.flash) {
      const sale = p.flashSale!;
      if (input.qty > sale.perUserLimit) throw new AppError('LIMIT_EXCEEDED', `at most ${sale.perUserLimit} per customer in the flash sale`, { productId: p.id, limit: sale.perUserLimit });
      const line: OrderLine = { ...input, flashShards: await allocateFlash(deps, p, input.qty, claims) };
      held.push(line);
      for (const [shard, qty] of Object.entries(line.flashShards!)) {
        const cap = flashShardCapacities(sale.stock, deps.settings.flashShards)[Number(shard)]!;
        add(
          {
            type: 'update',
            key: keys.flashStock(p.id, sale.id, Number(shard)),
            update: { inc: { sold: qty } },
            when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'sold' }, { op: 'lte', path: 'sold', value: cap - qty }] }],
          },
          { kind: 'flash', productId: p.id, shard: Number(shard) },
        );
      }
      add(limitOp(userId, `FLASH-${sale.id}`, p.id, line.qty, sale.perUserLimit), { kind: 'limit', productId: p.id, limit: sale.perUserLimit });
      continue;
    }
    const holds: NonNullable<OrderLine['holds']> = [];
    const line: OrderLine = { ...input, holds };
    held.push(line);
    if (p.stockPerWave !== undefined) {
      holds.push('stock');
      if (line.qty > p.stockPerWave) throw new AppError('OUT_OF_STOCK', `product ${p.id} is out of stock`, { productId: p.id, remaining: p.stockPerWave });
      add(
        {
          type: 'update',
          key: keys.waveStock(p.id, waveDate),
          update: { inc: { sold: line.qty } },
          when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'sold' }, { op: 'lte', path: 'sold', value: p.stockPerWave - line.qty }] }],
        },
        { kind: 'stock', productId: p.id, limit: p.stockPerWave },
      );
    }
    if (p.perUserLimit !== undefined) {
      holds.push('limit');
      if (line.qty > p.perUserLimit) throw new AppError('LIMIT_EXCEEDED', `at most ${p.perUserLimit} per customer`, { productId: p.id, limit: p.perUserLimit });
      add(limitOp(userId, waveDate, p.id, line.qty, p.perUserLimit), { kind: 'limit', productId: p.id, limit: p.perUserLimit });
    }
  }
  if (quote.couponId) {
    add(
      {
        type: 'update',
        key: keys.userCoupon(userId, quote.couponId),
        update: { set: { status: 'used', usedBy: orderId } },
        when: [{ op: 'eq', path: 'status', value: 'available' }],
      },
      { kind: 'coupon', couponId: quote.couponId },
    );
  }
  if (quote.pointsUsed > 0 || quote.firstOrder) {
    add(
      {
        type: 'update',
        key: keys.user(userId),
        update: {
          ...(quote.pointsUsed > 0 ? { inc: { points: -quote.pointsUsed } } : {}),
          ...(quote.firstOrder ? { set: { firstOrderClaimedBy: orderId } } : {}),
        },
        when: [
          ...(quote.pointsUsed > 0 ? [{ op: 'gte' as const, path: 'points', value: quote.pointsUsed }] : []),
          ...(quote.firstOrder ? [{ op: 'attrNotExists' as const, path: 'firstOrderClaimedBy' }, { op: 'attrNotExists' as const, path: 'firstPaidOrderId' }] : []),
        ],
      },
      { kind: 'user' },
    );
  }
  return { ops, guards, lines: held };
}

const limitOp = (userId: string, scope: string, productId: string, qty: number, limit: number): WriteOp => ({
  type: 'update',
  key: keys.userLimit(userId, scope, productId),
  update: { inc: { count: qty } },
  when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lte', path: 'count', value: limit - qty }] }],
});

/** A flash purchase's units taken on shards; `settle` once its transaction committed or failed. */
export interface FlashClaim {
  productId: string;
  settle: (outcome: { committed: boolean; full?: number }) => void;
}

/**
 * Spreads a flash purchase over shards with room, as this instance sees them (sold-out.ts
 * `flashView`: one read of the shards shared by the instance's buyers, its own commits and the
 * units its placements are committing now), the emptiest first so concurrent buyers land on
 * different items. The view is only a guide: each shard's condition decides. The sale is found
 * sold out only from a fresh read.
 */
async function allocateFlash(deps: Deps, p: Product, qty: number, claims: FlashClaim[]): Promise<Record<string, number>> {
  const sale = p.flashSale!;
  const caps = flashShardCapacities(sale.stock, deps.settings.flashShards);
  const marker = flashMarker(p.id, sale.id);
  const read = async () => {
    const counters = await deps.store.getMany(caps.map((_, i) => keys.flashStock(p.id, sale.id, i)));
    const sold = new Map(counters.map((c) => [c.sk, Number(c.sold ?? 0)]));
    return caps.map((_, i) => sold.get(keys.flashStock(p.id, sale.id, i).sk) ?? 0);
  };
  let view = await flashView(deps, marker, caps, read);
  for (;;) {
    const unsold = () => caps.reduce((sum, cap, i) => sum + Math.max(0, cap - view.sold[i]!), 0);
    // Looks sold out from what this instance knows: make sure from a fresh read.
    if (unsold() < qty) view = await flashView(deps, marker, caps, read, true);
    const left = unsold();
    if (left < qty) {
      if (left === 0) markSoldOut(deps, marker);
      throw new AppError('OUT_OF_STOCK', `the flash sale of ${p.id} is sold out`, { productId: p.id, remaining: left });
    }
    // Commit on shards no placement of this instance is committing on (no conflict between them): wait for one,
    // unless this placement holds units of another sale already (two buyers must never wait for each other).
    const idle = caps.reduce((sum, cap, i) => sum + (view.inFlight[i] === 0 ? Math.max(0, cap - view.sold[i]!) : 0), 0);
    if (idle >= qty || view.inFlight.every((n) => n === 0) || claims.length > 0) break;
    await new Promise<void>((resolve) => view.waiters.push(resolve));
    if (isSoldOut(deps, marker)) throw new AppError('OUT_OF_STOCK', `the flash sale of ${p.id} is sold out`, { productId: p.id, remaining: 0 });
    view = await flashView(deps, marker, caps, read);
  }
  // The idle shards with the most room first; ties rotate.
  const start = view.turn++ % caps.length;
  const order = caps.map((_, k) => (start + k) % caps.length);
  const room = (i: number) => caps[i]! - view.sold[i]!;
  order.sort((x, y) => view.inFlight[x]! - view.inFlight[y]! || room(y) - room(x));
  const out: Record<string, number> = {};
  let left = qty;
  for (const i of order) {
    if (left === 0) break;
    const take = Math.min(Math.max(0, room(i) - view.inFlight[i]!), left);
    if (take > 0) (out[String(i)] = take), (left -= take);
  }
  // Units are left only in shards this instance is committing on now: try those (their conditions decide).
  for (const i of order) {
    if (left === 0) break;
    const take = Math.min(Math.max(0, room(i) - (out[String(i)] ?? 0)), left);
    if (take > 0) (out[String(i)] = (out[String(i)] ?? 0) + take), (left -= take);
  }
  claims.push({ productId: p.id, settle: claimFlash(view, out) });
  return out;
}

/** OUT_OF_STOCK at once for a line whose flash sale or wave stock this instance saw sold out (sold-out.ts). */
function refuseSoldOut(deps: Deps, waveDate: string, lines: readonly OrderLine[], products: Map<string, Product>): void {
  for (const line of lines) {
    const p = products.get(line.productId)!;
    const marker = line.flash ? flashMarker(p.id, p.flashSale!.id) : p.stockPerWave !== undefined ? stockMarker(p.id, waveDate) : undefined;
    if (marker && isSoldOut(deps, marker)) throw new AppError('OUT_OF_STOCK', `product ${p.id} is sold out`, { productId: p.id, remaining: 0 });
  }
}

/** The first response again for a repeated requestId; INVALID_STATE when the input differs. */
async function replayOf(deps: Deps, userId: string, requestId: string, hash: string): Promise<Placed | undefined> {
  return replayFrom(deps, userId, requestId, hash, await deps.store.get(keys.idempotency(userId, requestId), { consistent: true }));
}

/** replayOf with the idempotency record already read (undefined: none). */
async function replayFrom(deps: Deps, userId: string, requestId: string, hash: string, rec: Item | undefined): Promise<Placed | undefined> {
  if (!rec) return undefined;
  if (rec.hash !== hash) throw new AppError('INVALID_STATE', 'this requestId was used for a different order', { requestId });
  const order = await findOrder(deps, String(rec.orderId));
  if (!order) throw new AppError('INVALID_STATE', 'the order of this requestId is being written; retry', { requestId });
  const stored = keptResponse(rec);
  if (stored) return { order: { ...stored.order, contact: orderView(deps, order, 'owner').contact }, payment: stored.payment };
  // Committed, but the first call has not answered yet (still prepaying, or it failed there).
  if (order.balance && order.amounts.payableFen === 0) return firstResponse(deps, userId, requestId, order.status === 'PENDING_PAYMENT' ? await payByBalance(deps, order) : order);
  if (order.status !== 'PENDING_PAYMENT') throw new AppError('INVALID_STATE', 'the order of this requestId is no longer payable', { requestId, orderId: order.id });
  return firstResponse(deps, userId, requestId, order);
}

/** The first answer as kept with the idempotency record: the order as placed (without the contact, not kept in clear) and the payment parameters. */
interface StoredResponse {
  order: Omit<Placed['order'], 'contact'>;
  payment: PaymentParams | null;
}

/**
 * The kept answer of an idempotency record. It is kept as one JSON string: nothing reads inside
 * it, and a string costs both ends far less than the same answer as nested attributes (the
 * order's lines, amounts and payment parameters). Records written before are nested attributes.
 */
function keptResponse(rec: Item | undefined): StoredResponse | undefined {
  const r = rec?.response;
  return typeof r === 'string' ? (JSON.parse(r) as StoredResponse) : (r as StoredResponse | undefined);
}

/**
 * Prepays and keeps the answer with the idempotency record, so every replay of the requestId
 * answers exactly this (never a new prepay), also after the order was paid or expired. Of two
 * concurrent answers the first one kept wins, and both callers return it.
 */
async function firstResponse(deps: Deps, userId: string, requestId: string, order: Order): Promise<Placed> {
  const view = orderView(deps, order, 'owner');
  const { contact, ...withoutContact } = view;
  const response: StoredResponse = { order: withoutContact, payment: order.amounts.payableFen === 0 ? null : await prepay(deps, order) };
  try {
    await deps.store.write({ type: 'update', key: keys.idempotency(userId, requestId), update: { set: { response: JSON.stringify(response) } }, when: [{ op: 'attrNotExists', path: 'response' }] });
    return { order: view, payment: response.payment };
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    const kept = keptResponse(await deps.store.get(keys.idempotency(userId, requestId), { consistent: true }));
    if (!kept) throw e;
    return { order: { ...kept.order, contact }, payment: kept.payment };
  }
}

/** Prepay is idempotent per order at WeChat Pay; the same expiry is sent on a retry. */
async function prepay(deps: Deps, order: Order): Promise<PaymentParams> {
  return deps.payment.prepay({
    orderId: order.id,
    amountFen: order.amounts.payableFen,
    openid: order.userId,
    description: order.lines.length === 1 ? order.lines[0]!.title : `${order.lines[0]!.title}等${order.lines.length}件`,
    expiresAt: order.payBy,
  });
}
