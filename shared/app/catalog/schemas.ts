import * as z from 'zod/mini';
import { DeliverySettingsInput } from '../delivery/schemas.ts';
import { coordinate, id, isoTime } from '#platform/schema';
import { commissionRateSchema } from '#domain/commission';
import { hasControlOrBidi } from '#domain/masking';

/** Upper bounds of what staff enter (issue 12): ¥100,000 for a price, value or amount; 1,000,000 units for a stock, limit or quantity. */
export const MAX_STAFF_FEN = 10_000_000;
export const MAX_STAFF_UNITS = 1_000_000;
/** Whole fen from `min` up to ¥100,000. */
export const staffFen = (min = 0) => z.int().check(z.minimum(min), z.maximum(MAX_STAFF_FEN));
/** Whole units from `min` up to 1,000,000. */
export const staffUnits = (min = 0) => z.int().check(z.minimum(min), z.maximum(MAX_STAFF_UNITS));
/** A person's name as shown on labels and screens: no control or bidi characters. */
export const personName = (max: number) =>
  z.string().check(z.minLength(1), z.maxLength(max), z.refine((s: string) => !hasControlOrBidi(s), 'must not contain control or bidirectional-formatting characters'));

/** Product as staff enter it (API.md "Shapes of the main back-office inputs"). */
export const ProductInput = z.object({
  id: z.optional(id()),
  title: z.string().check(z.minLength(1), z.maxLength(60)),
  category: z.string().check(z.minLength(1), z.maxLength(20)),
  priceFen: staffFen(1),
  memberPriceFen: z.optional(staffFen(1)),
  costFen: z.optional(staffFen()),
  supplierId: id(),
  /** Absent: the merchant's `defaultCommissionRate`, written on the product when it is saved. */
  commissionRate: z.optional(commissionRateSchema()),
  fresh: z.boolean(),
  perUserLimit: z.optional(staffUnits(1)),
  stockPerWave: z.optional(staffUnits()),
  supplierCapacity: z.optional(staffUnits()),
  status: z._default(z.enum(['active', 'inactive']), 'active'),
  flashSale: z.optional(
    z.object({
      id: z.optional(id()),
      priceFen: staffFen(1),
      stock: staffUnits(1),
      startsAt: isoTime(),
      endsAt: isoTime(),
      perUserLimit: staffUnits(1),
    }),
  ),
});
export type ProductInput = z.infer<typeof ProductInput>;

const hhmm = () => z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm'));

/** A pickup point's opening hours (Shanghai) and closed weekdays (0 = Sunday … 6 = Saturday, at least one day open). */
export const PickupHoursInput = z.object({
  opens: hhmm(),
  closes: hhmm(),
  closedDays: z.optional(
    z.array(z.int().check(z.minimum(0), z.maximum(6))).check(
      z.maxLength(6),
      z.refine((days) => new Set(days).size === days.length, 'must not repeat a day'),
    ),
  ),
}).check(z.refine((h) => h.opens < h.closes, { message: 'must be after opens', path: ['closes'] }));
export type PickupHoursInput = z.infer<typeof PickupHoursInput>;

export const CommunityInput = z.object({
  id: z.optional(id()),
  name: z.string().check(z.minLength(1), z.maxLength(40)),
  address: z.string().check(z.minLength(1), z.maxLength(120)),
  region: z.string().check(z.minLength(1), z.maxLength(40)),
  location: z.object({
    lat: coordinate(90),
    lng: coordinate(180),
  }),
  routeId: id(),
  /** Opening hours; without them the point keeps the setting `pickupClosesAt` and no closed days. */
  hours: z.optional(PickupHoursInput),
  /** Home delivery: on/off, fee, free above a threshold, slots (shared/app/delivery). */
  delivery: z.optional(DeliverySettingsInput),
});
export type CommunityInput = z.infer<typeof CommunityInput>;

export const LeaderInput = z.object({
  id: z.optional(id()),
  openid: z.string().check(z.minLength(1), z.maxLength(64)),
  name: personName(20),
  phone: z.string().check(z.regex(/^1[3-9]\d{9}$/, 'expected an 11-digit mainland mobile number')),
  communityId: id(),
  referredBy: z.optional(id()),
});
export type LeaderInput = z.infer<typeof LeaderInput>;

export const LEADER_STATUSES = ['active', 'warned', 'suspended', 'removed'] as const;
export type LeaderStatus = (typeof LEADER_STATUSES)[number];

export const CouponInput = z.object({
  id: z.optional(id()),
  title: z.string().check(z.minLength(1), z.maxLength(30)),
  kind: z.enum(['fixed', 'percent']),
  valueFen: z.optional(staffFen(1)),
  percent: z.optional(z.int().check(z.minimum(1), z.maximum(99))),
  thresholdFen: staffFen(),
  validFrom: isoTime(),
  validTo: isoTime(),
  newUserOnly: z._default(z.boolean(), false),
});
export type CouponInput = z.infer<typeof CouponInput>;
