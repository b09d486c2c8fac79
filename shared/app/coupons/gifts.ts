import * as z from 'zod/mini';
import { toBizIso } from '#domain/time';
import { queryAll, type Item, type WriteOp } from '#ports/item-store';
import { id } from '#platform/schema';
import type { Deps } from '../deps.ts';
import { getProductsCached, requireProduct } from '../catalog/products.ts';
import { cachedValue, forgetCachedValue, revCheck, versionedRead } from '../read-cache.ts';
import { staffFen, staffUnits } from '../catalog/schemas.ts';
import type { OrderLine } from '../orders/model.ts';
import type { PricedBasket } from '../orders/quote.ts';
import { allGifts, couponKeys, giftIndex } from './keys.ts';

export const GiftInput = z.object({ id: z.optional(id()), productId: id(), thresholdFen: staffFen(1), stock: staffUnits(0) });
export type GiftInput = z.infer<typeof GiftInput>;

export interface Gift extends GiftInput {
  id: string;
  title: string;
  updatedAt: string;
  rev?: string;
}

const strip = ({ pk: _p, sk: _s, gsi1pk: _g1, gsi1sk: _g2, ...rest }: Item) => rest;

/** POST /admin/gifts: creates or replaces a 满赠 gift; the units given stay counted apart. */
export async function upsertGift(deps: Deps, input: GiftInput): Promise<Gift & { given: number }> {
  const product = await requireProduct(deps, input.productId);
  const giftId = input.id ?? deps.ids.newId();
  // `rev`: a fresh value on every write, so a placement holding the gift checks it unchanged since its cached read.
  const gift: Gift = { ...input, id: giftId, title: product.title, updatedAt: toBizIso(deps.clock.now()), rev: deps.ids.newId() };
  await deps.store.write({ type: 'put', item: { ...couponKeys.gift(giftId), ...giftIndex(giftId), ...gift } });
  forgetGifts(deps); // this instance's next placement sees it at once (others within READ_CACHE_MS)
  const given = Number((await deps.store.get(couponKeys.giftStock(giftId)))?.given ?? 0);
  return { ...gift, given };
}

/** Every gift with the units given so far (held by open orders included). */
export async function listGifts(deps: Deps): Promise<(Gift & { given: number })[]> {
  const gifts = (await queryAll(deps.store, allGifts())).map((it) => strip(it) as unknown as Gift);
  const counters = await deps.store.getMany(gifts.map((g) => couponKeys.giftStock(g.id)));
  const given = new Map(counters.map((c) => [String(c.pk), Number(c.given ?? 0)]));
  return gifts.map((g) => ({ ...g, given: given.get(couponKeys.giftStock(g.id).pk) ?? 0 }));
}

/** The gifts' definitions, through the per-instance read cache (read-cache.ts) where a check is a read; the held gift is checked unchanged by the transaction. */
const GIFTS_CACHE = 'gifts';
async function giftDefinitions(deps: Deps): Promise<Gift[]> {
  const read = async () => (await queryAll(deps.store, allGifts())).map((it) => strip(it) as unknown as Gift);
  return versionedRead(deps, () => cachedValue(deps, GIFTS_CACHE, read), read);
}

/** After a placing transaction found a gift changed: the next read is fresh. */
export const forgetGifts = (deps: Deps) => forgetCachedValue(deps, GIFTS_CACHE);

/**
 * The 满赠 gift an order earns (DESIGN.md §12): of the gifts whose threshold the goods after
 * member prices reach and whose stock is not gone, the one of the highest threshold, as a line
 * at 0 fen and the conditional hold of one unit of its stock (given back like stock by
 * `giftReleaseOps`), with a check that the gift is still the one read (its `rev`; not on
 * stores whose checks write, which read the gifts fresh). None for a gift already bought in
 * the basket, nor one excluded after its stock ran out at commit. The definitions come from a
 * cache of a few seconds: a gift created or changed is earned by orders placed from at most
 * READ_CACHE_MS later; the stock counters of the gifts reached are read fresh (no read when none is).
 */
export async function giftHold(deps: Deps, priced: PricedBasket, excluded: ReadonlySet<string>): Promise<{ line: OrderLine; ops: WriteOp[]; giftId: string } | undefined> {
  const amount = priced.quote.amounts.goodsFen - priced.quote.amounts.memberDiscountFen;
  const reached = (await giftDefinitions(deps)).filter((g) => g.thresholdFen <= amount && !excluded.has(g.id) && !priced.products.has(g.productId));
  if (reached.length === 0) return undefined;
  const counters = await deps.store.getMany(reached.map((g) => couponKeys.giftStock(g.id)));
  const given = new Map(counters.map((c) => [String(c.pk), Number(c.given ?? 0)]));
  const gift = reached.filter((g) => (given.get(couponKeys.giftStock(g.id).pk) ?? 0) < g.stock).sort((a, b) => b.thresholdFen - a.thresholdFen)[0];
  if (!gift) return undefined;
  const product = (await getProductsCached(deps, [gift.productId])).get(gift.productId);
  if (!product || product.status === 'inactive') return undefined;
  return {
    giftId: gift.id,
    line: { productId: gift.productId, title: product.title, qty: 1, unitPriceFen: 0, paidFen: 0, fresh: product.fresh, commissionRate: 0, supplierId: product.supplierId, flash: false, gift: gift.id },
    ops: [
      {
        type: 'update',
        key: couponKeys.giftStock(gift.id),
        update: { inc: { given: 1 } },
        when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'given' }, { op: 'lt', path: 'given', value: gift.stock }] }],
      },
      ...[revCheck(deps, couponKeys.gift(gift.id), gift.rev)].filter((op) => op !== undefined),
    ],
  };
}

/** Gives back the gift units an order held; part of `releaseOrderHoldsOps`. */
export function giftReleaseOps(order: { lines: readonly OrderLine[] }): WriteOp[] {
  return order.lines.filter((l) => l.gift).map((l) => ({ type: 'update', key: couponKeys.giftStock(l.gift!), update: { inc: { given: -l.qty } }, when: [{ op: 'gte', path: 'given', value: l.qty }] }));
}

