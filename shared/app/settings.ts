import * as z from 'zod/mini';
import { DEFAULT_WAVE_SCHEDULE, type WaveSchedule } from '#domain/wave-clock';

/**
 * The merchant's business settings (DESIGN.md: "all amounts configurable"), with the documented
 * defaults. Given as JSON in MERCHANT_SETTINGS; each field optional.
 */
export const MerchantSettingsSchema = z.object({
  payWindowMinutes: z._default(z.int().check(z.minimum(1), z.maximum(120)), 15),
  maxOrderLines: z._default(z.int().check(z.minimum(1), z.maximum(50)), 20),
  firstOrderDiscountFen: z._default(z.int().check(z.minimum(0)), 500),
  pointsPerYuan: z._default(z.int().check(z.minimum(1)), 100),
  maxPointsPercent: z._default(z.int().check(z.minimum(0), z.maximum(100)), 50),
  pickupDays: z._default(z.int().check(z.minimum(1), z.maximum(7)), 3),
  freshPickupDays: z._default(z.int().check(z.minimum(1), z.maximum(7)), 1),
  refundExpiredFresh: z._default(z.boolean(), false),
  refundExpiredNonFresh: z._default(z.boolean(), true),
  flashShards: z._default(z.int().check(z.minimum(1), z.maximum(32)), 8),
  lowStockThreshold: z._default(z.int().check(z.minimum(0)), 5),
  afterSalesHours: z._default(z.int().check(z.minimum(1)), 48),
  pointsPerYuanEarned: z._default(z.int().check(z.minimum(0)), 1),
  settlement: z._default(z.record(z.string(), z.unknown()), {}),
});

export type MerchantSettings = z.infer<typeof MerchantSettingsSchema> & { wave: WaveSchedule };

export function parseMerchantSettings(json: string | undefined, wave: WaveSchedule = DEFAULT_WAVE_SCHEDULE): MerchantSettings {
  let raw: unknown = {};
  if (json) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error('bad configuration: MERCHANT_SETTINGS is not JSON');
    }
  }
  const r = MerchantSettingsSchema.safeParse(raw);
  if (!r.success) throw new Error(`bad configuration: MERCHANT_SETTINGS.${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return { ...r.data, wave };
}
