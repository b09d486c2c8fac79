/**
 * Home delivery (到家配送, DESIGN.md §13), the pure rules: a community's delivery settings, the
 * fee of a basket, the slots and how an address is shown masked.
 */
import { maskName } from './masking.ts';

export interface DeliverySettings {
  enabled: boolean;
  /** The fee of a delivery order, in fen. */
  feeFen: number;
  /** Goods worth at least this (fen, at the prices charged before order discounts) deliver free (e.g. 990: the ¥9.9 rule). */
  freeAboveFen: number;
  /** Delivery windows, `HH:mm-HH:mm` (Shanghai). */
  slots: string[];
}

/** A slot `HH:mm-HH:mm` whose end is after its start. */
export const SLOT_PATTERN = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
export const isSlot = (s: string): boolean => SLOT_PATTERN.test(s) && s.slice(0, 5) < s.slice(6);

/** Whether the community delivers (settings present and enabled, at least one slot). */
export const delivers = (s: DeliverySettings | undefined): s is DeliverySettings => !!s && s.enabled && s.slots.length > 0;

/**
 * The fee of a delivery order: `feeFen` unless the goods reach `freeAboveFen`. `goodsFen` is the
 * goods at the unit prices charged (member and flash prices), before coupon, first-order and
 * points discounts: a coupon does not make the customer pay for delivery.
 */
export function deliveryFeeFen(s: Pick<DeliverySettings, 'feeFen' | 'freeAboveFen'>, goodsFen: number): number {
  return goodsFen >= s.freeAboveFen ? 0 : s.feeFen;
}

export interface AddressFields {
  name: string;
  phone: string;
  district: string;
  detail: string;
  location?: { lat: number; lng: number };
}

/** The detail of an address masked: its first 4 characters and `***` ('虹桥路1号3栋502' → '虹桥路1***'). */
export function maskDetail(detail: string): string {
  const cs = Array.from(detail.trim());
  if (cs.length <= 2) return '*'.repeat(cs.length);
  return `${cs.slice(0, Math.min(4, cs.length - 2)).join('')}***`;
}

/** An address as views show it: masked name, phone tail, district, masked detail; never the phone or the full detail. */
export function maskedAddress(a: AddressFields): { name: string; phoneTail: string; district: string; detail: string } {
  return { name: maskName(a.name), phoneTail: a.phone.slice(-4), district: a.district, detail: maskDetail(a.detail) };
}

/** The address as one line for a delivery label (full; warehouse only). */
export const addressLine = (a: Pick<AddressFields, 'district' | 'detail'>): string => `${a.district} ${a.detail}`;
