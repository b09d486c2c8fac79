import { AppError } from '#domain/errors';
import { addressLine, delivers, deliveryFeeFen, maskDetail, type DeliverySettings } from '#domain/delivery';
import type { Quote } from '#domain/pricing';
import type { Deps } from '../deps.ts';
import { getCommunity } from '../catalog/communities.ts';
import { requireAddress } from './addresses.ts';
import type { DeliveryChoiceInput } from './schemas.ts';

/** What a delivery order stores (`order.delivery`): never the full address, which is in the sealed contact. */
export interface OrderDelivery {
  addressId: string;
  slot: string;
  feeFen: number;
  district: string;
  /** The detail masked (views). */
  detail: string;
  location?: { lat: number; lng: number };
}

export interface PricedDelivery {
  delivery: OrderDelivery;
  /** The order's contact for a delivery: the address's recipient and the full address (sealed on the order). */
  contact: { name: string; phone: string; address: string };
}

/**
 * Prices a delivery choice onto a quote (DESIGN.md §13): the community must deliver (else
 * INVALID_STATE `NO_DELIVERY`), the slot must be one of its slots (VALIDATION_FAILED on
 * `delivery.slot`), the address the caller's own (NOT_FOUND). The fee is
 * `amounts.deliveryFen`, added to `payableFen` after the order discounts (which apply to goods
 * only); free when the goods reach `freeAboveFen`.
 */
export async function priceDelivery(deps: Deps, userId: string, communityId: string, choice: DeliveryChoiceInput, quote: Quote): Promise<PricedDelivery & { quote: Quote }> {
  const settings = (await getCommunity(deps, communityId))?.delivery as DeliverySettings | undefined;
  if (!delivers(settings)) throw new AppError('INVALID_STATE', `community ${communityId} does not deliver`, { communityId, reason: 'NO_DELIVERY' });
  if (!settings.slots.includes(choice.slot))
    throw new AppError('VALIDATION_FAILED', 'not a delivery slot of this community', { issues: [{ path: 'delivery.slot', message: `one of ${settings.slots.join(', ')}` }] });
  const address = await requireAddress(deps, userId, choice.addressId);
  const feeFen = deliveryFeeFen(settings, quote.amounts.goodsFen - quote.amounts.memberDiscountFen);
  const a = address.fields;
  return {
    quote: { ...quote, amounts: { ...quote.amounts, deliveryFen: feeFen, payableFen: quote.amounts.payableFen + feeFen } },
    delivery: { addressId: address.id, slot: choice.slot, feeFen, district: a.district, detail: maskDetail(a.detail), ...(a.location ? { location: a.location } : {}) },
    contact: { name: a.name, phone: a.phone, address: addressLine(a) },
  };
}
