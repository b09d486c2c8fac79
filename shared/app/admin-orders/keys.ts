import type { Key } from '#ports/item-store';

/**
 * Keys of the staff order views (shared/app/admin-orders).
 *
 * - `PHONE#<blind index>` / `O#<createdAt>#<orderId>`: one lookup item per order, written in the
 *   placement transaction beside the sealed contact, so staff find a customer's orders by the
 *   full phone number without decrypting anything. The blind index is a keyed HMAC of the
 *   normalised number (phone-index.ts); the item holds only where the order lives.
 */
export const adminOrderKeys = {
  phoneOrder: (index: string, createdAt: string, orderId: string): Key => ({ pk: `PHONE#${index}`, sk: `O#${createdAt}#${orderId}` }),
  phoneOrders: (index: string) => ({ pk: `PHONE#${index}`, prefix: 'O#' }),
} as const;
