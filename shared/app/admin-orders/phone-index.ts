import type { WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { adminOrderKeys } from './keys.ts';

/**
 * The keyed blind index of a phone number (DESIGN.md §9): HMAC-SHA256 of the normalised number
 * under the contact MAC key (`deps.contacts.mac`, derived from SESSION_SECRET by HKDF), with its
 * own domain prefix. Equal numbers give equal indexes; no one without the key can test a guessed
 * number against it, and nothing is ever decrypted to search. Rotating SESSION_SECRET rotates
 * the key: orders placed before then are no longer found by phone (their sealed contact is
 * untouched).
 */
export function normalisePhone(phone: string): string {
  const digits = phone.replace(/[\s\-()+]/g, '');
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits;
}

export const phoneIndexOf = (deps: Pick<Deps, 'contacts'>, phone: string): string => deps.contacts.mac(`groupbuy/phone-index/v1|${normalisePhone(phone)}`);

/** The lookup item written with the order at placement (same transaction). */
export function phoneIndexOp(
  deps: Pick<Deps, 'contacts'>,
  order: { id: string; communityId: string; waveDate: string; createdAt: string },
  phone: string,
): { op: WriteOp; phoneIndex: string } {
  const phoneIndex = phoneIndexOf(deps, phone);
  return {
    phoneIndex,
    op: {
      type: 'put',
      item: { ...adminOrderKeys.phoneOrder(phoneIndex, order.createdAt, order.id), orderId: order.id, communityId: order.communityId, waveDate: order.waveDate },
    },
  };
}
