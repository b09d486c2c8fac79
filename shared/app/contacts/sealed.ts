/**
 * Where contact data is sealed at rest, and the record each sealed value is bound to (the
 * cipher's additional authenticated data, shared/ports/session.ts): a value copied into another
 * record, or into another kind of record with the same id, does not open.
 *
 * Every sealed field is listed here once; `npm run contacts:rekey` (rekey.ts) walks exactly
 * these. A new sealed field is added here and to the walk.
 */
export const sealedRecord = {
  /** `contactSealed` of an order: JSON `{ name, phone, address? }`. */
  orderContact: (orderId: string) => `order:${orderId}`,
  /** `phoneSealed` of a leader record. */
  leaderPhone: (leaderId: string) => `leader:${leaderId}`,
  /** `phoneSealed` of a leader application while it is PENDING (moved to the leader record on approval, deleted on rejection). */
  applicationPhone: (applicationId: string) => `application:${applicationId}`,
  /** `sealed` of an address-book entry (shared/app/delivery/addresses.ts): JSON `{ name, phone, district, detail, location? }`. */
  address: (userId: string, addressId: string) => `address:${userId}:${addressId}`,
} as const;
