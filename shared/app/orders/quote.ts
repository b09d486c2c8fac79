import { AppError } from '#domain/errors';
import { priceBasket, type Quote } from '#domain/pricing';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { requireCommunityCached } from '../catalog/communities.ts';
import { flashActive, getProducts, getProductsCached, type Product } from '../catalog/products.ts';
import { versionedRead } from '../read-cache.ts';
import { openWaveFor } from '../waves.ts';
import { assertOrderableIn } from '../catalog/content.ts';
import type { BasketInput } from './schemas.ts';
import { levelOfItem } from '../wallet/levels.ts';
import { walletKeys } from '../wallet/keys.ts';
import { priceDelivery, type PricedDelivery } from '../delivery/pricing.ts';

export interface PricedBasket {
  waveDate: string;
  quote: Quote;
  products: Map<string, Product>;
  /** Lines bought at the flash price (their stock and limit are the flash sale's). */
  flash: Set<string>;
  isNewCustomer: boolean;
  profile: Record<string, unknown> | undefined;
  /** A delivery order's fee (in `quote.amounts`), stored delivery and contact. */
  delivery?: PricedDelivery;
}

/**
 * Prices a basket exactly as placing it would charge (the server recomputes every amount;
 * client prices are never read). Steps: community → open wave → products on sale → customer
 * (member, new, points) → coupon owned and available → pricing rules.
 */
export async function priceFor(deps: Deps, userId: string, input: BasketInput, options: { adjust?: (products: Map<string, Product>) => void } = {}): Promise<PricedBasket> {
  const ids = input.items.map((i) => i.productId);
  const dup = ids.findIndex((p, i) => ids.indexOf(p) !== i);
  if (dup >= 0)
    throw new AppError('VALIDATION_FAILED', 'each product may appear once', { issues: [{ path: `items.${dup}.productId`, message: 'duplicate product' }] });
  if (input.items.length > deps.settings.maxOrderLines)
    throw new AppError('VALIDATION_FAILED', 'too many lines', { issues: [{ path: 'items', message: `at most ${deps.settings.maxOrderLines} lines` }] });
  const [, products, customer, waveDate, couponItems] = await Promise.all([
    // Products, community and wave through the per-instance read cache (read-cache.ts); placing checks them in its transaction.
    requireCommunityCached(deps, input.communityId),
    versionedRead(deps, () => getProductsCached(deps, ids), () => getProducts(deps, ids)),
    // The customer's profile and level in one request.
    deps.store.getMany([keys.user(userId), walletKeys.level(userId)]),
    openWaveFor(deps, input.communityId, { cached: true }),
    // The coupon's instance and terms, read with the rest.
    input.couponId ? deps.store.getMany([keys.userCoupon(userId, input.couponId), keys.coupon(input.couponId)]) : undefined,
  ]);
  const profile = customer.find((it) => it.sk === keys.user(userId).sk);
  const level = levelOfItem(deps, customer.find((it) => it.sk === walletKeys.level(userId).sk));
  options.adjust?.(products); // a team order's product at its team price (teams/place.ts)
  for (const pid of ids) {
    const p = products.get(pid);
    if (!p || p.status === 'inactive') throw new AppError('NOT_FOUND', `product ${pid} is not on sale`, { productId: pid });
  }
  assertOrderableIn(input.communityId, products.values());
  const now = deps.clock.now();
  // Member prices: a paid membership still running, or a level granting them (wallet/levels.ts).
  const isMember = (typeof profile?.memberUntil === 'string' && Date.parse(profile.memberUntil) > now) || level.memberPrice;
  const isNewCustomer = !profile?.firstPaidOrderId && !profile?.firstOrderClaimedBy;
  let coupon;
  if (input.couponId) {
    const at = (k: { pk: string; sk: string }) => couponItems!.find((it) => it.pk === k.pk && it.sk === k.sk);
    const [owned, direct] = [at(keys.userCoupon(userId, input.couponId)), at(keys.coupon(input.couponId))];
    // A claimed or auto-granted instance names its coupon and may carry its own validity (coupons/centre.ts).
    const terms = owned && owned.couponId !== input.couponId && owned.couponId ? await deps.store.get(keys.coupon(String(owned.couponId))) : direct;
    if (!owned || !terms) throw new AppError('NOT_FOUND', `coupon ${input.couponId} not found`, { couponId: input.couponId });
    if (owned.status !== 'available') throw new AppError('INVALID_STATE', 'the coupon was used', { couponId: input.couponId, reason: 'USED' });
    coupon = { ...terms, id: input.couponId, ...(owned.validTo ? { validFrom: owned.validFrom, validTo: owned.validTo } : {}) } as unknown as Parameters<typeof priceBasket>[0]['coupon'];
  }
  const flash = new Set(ids.filter((pid) => flashActive(products.get(pid)!, now)));
  const quote = priceBasket({
    lines: input.items.map((i) => ({ product: products.get(i.productId)!, qty: i.qty, flash: flash.has(i.productId) })),
    isMember,
    isNewCustomer,
    coupon,
    pointsRequested: input.points ?? 0,
    pointsAvailable: Number(profile?.points ?? 0),
    now,
    settings: deps.settings,
  });
  if (input.delivery) {
    const { quote: withFee, ...delivery } = await priceDelivery(deps, userId, input.communityId, input.delivery, quote);
    return { waveDate, quote: withFee, products, flash, isNewCustomer, profile, delivery };
  }
  return { waveDate, quote, products, flash, isNewCustomer, profile };
}
