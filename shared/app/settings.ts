import * as z from 'zod/mini';
import { commissionRateSchema, SettlementSettingsSchema } from '#domain/commission';
import { TransactionCancelled, type ItemStore, type Key, type WriteOp } from '#ports/item-store';
import type { Clock } from '#ports/clock';
import { DEFAULT_LEVELS, DEFAULT_MEMBERSHIP_PLANS, LevelsSchema, MembershipPlansSchema, RechargeBonusSchema } from '#domain/wallet';
import { ReferralSettingsSchema } from '#domain/referral';

const hhmm = () => z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm'));
const hourOfDay = () => z.int().check(z.minimum(0), z.maximum(23));

/**
 * The merchant's business settings (DESIGN.md: "all amounts configurable") and THE home of
 * their defaults: the cutoff time, the arrival time, when pickup points close, the hour of the
 * daily overdue run, the default commission rate, and (under `settlement`) the settle hour.
 * Every time is Asia/Shanghai (`BUSINESS_TZ`, shared/domain/time.ts). Each field is optional
 * and takes its default when absent.
 *
 * The settings live in the database as one versioned document (`loadSettings`, the admin
 * commands in admin/settings.ts); `MERCHANT_SETTINGS` (JSON) only seeds version 1. The seed
 * and the stored document are validated by this same schema, at cold start.
 */
export const MerchantSettingsSchema = z.strictObject({
  /** The daily wave cutoff (截单). */
  cutoffTime: z._default(hhmm(), '22:00'),
  /** When a wave's goods reach the pickup points, the day after its cutoff. */
  arrivalTime: z._default(hhmm(), '16:00'),
  /** When pickup points close: the pickup deadline is this time on its day. */
  pickupClosesAt: z._default(hhmm(), '22:00'),
  /** The daily overdue run (reminders, expiry) runs at the first hourly heartbeat from this hour. */
  overdueHour: z._default(hourOfDay(), 3),
  /** The rate of a product saved without `commissionRate`. */
  defaultCommissionRate: z._default(commissionRateSchema(), 0.1),
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
  /** SMS fallback (DESIGN.md §15): at most this many texts per customer per business day (0: none). */
  smsDailyCapPerCustomer: z._default(z.int().check(z.minimum(0), z.maximum(20)), 2),
  /** The merchant's SMS budget per calendar month (Asia/Shanghai), in fen; a text that would exceed it is not sent. */
  smsMonthlyBudgetFen: z._default(z.int().check(z.minimum(0)), 10_000),
  /** What one text costs, in fen (Tencent Cloud's domestic price is about 4.5 fen): counted against the budget and in finance. */
  smsUnitCostFen: z._default(z.int().check(z.minimum(0), z.maximum(1000)), 5),
  /** Sealed contacts of orders picked up, cancelled or expired more than this many days ago are destroyed (the retention job). */
  contactRetentionDays: z._default(z.int().check(z.minimum(7), z.maximum(3650)), 180),
  /**
   * The largest refund (fen, one staff refund or after-sales approval) an `operations` member may
   * make; above it only `finance` (or the `owner`) refunds (shared/app/staff/refund-limit.ts).
   */
  staffRefundLimitFen: z._default(z.int().check(z.minimum(0), z.maximum(100_000_000)), 10_000),
  /** A bound customer's binding moves to another leader after ordering with them in this many waves in a row (shared/app/customers.ts). */
  bindingMoveWaves: z._default(z.int().check(z.minimum(1), z.maximum(100)), 3),
  /** Period, settle hour, tiers, awards, review, withdrawal limits: shared/domain/commission.ts. */
  settlement: z.prefault(SettlementSettingsSchema, {}),
  /** Wallet, levels and paid membership (DESIGN.md §12): shared/domain/wallet.ts. */
  rechargeBonus: z._default(RechargeBonusSchema, [{ minFen: 10_000, bonusFen: 1_000 }]),
  growthPerYuan: z._default(z.int().check(z.minimum(0), z.maximum(100)), 1),
  levels: z._default(LevelsSchema, DEFAULT_LEVELS),
  membershipPlans: z._default(MembershipPlansSchema, DEFAULT_MEMBERSHIP_PLANS),
  /** Referral (老带新) rewards and their monthly cap per inviter: shared/domain/referral.ts. */
  referral: z.prefault(ReferralSettingsSchema, {}),
});

export type MerchantSettings = z.infer<typeof MerchantSettingsSchema>;

/** The first issue of a failed parse as `field: message` (the field as a dotted path). */
function firstIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.map(String).join('.') || '(settings)'}: ${issue?.message ?? 'invalid'}`;
}

/** Parses MERCHANT_SETTINGS (the seed of version 1); a bad field stops the function naming it. */
export function parseMerchantSettings(json: string | undefined): MerchantSettings {
  let raw: unknown = {};
  if (json) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error('bad configuration: MERCHANT_SETTINGS is not JSON');
    }
  }
  const r = MerchantSettingsSchema.safeParse(raw);
  if (!r.success) throw new Error(`bad configuration: MERCHANT_SETTINGS.${firstIssue(r.error)}`);
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// The stored document

/**
 * `SETTINGS` / `CURRENT`: `{ version, settings, updatedAt, updatedBy }`, the version in force;
 * `SETTINGS` / `V#<00000001>`: one history record per version `{ version, by, at, changes }`.
 */
export const settingsKeys = {
  current: (): Key => ({ pk: 'SETTINGS', sk: 'CURRENT' }),
  version: (version: number): Key => ({ pk: 'SETTINGS', sk: `V#${String(version).padStart(8, '0')}` }),
  history: () => ({ pk: 'SETTINGS', prefix: 'V#' }),
};

/** Who wrote version 1 when it is the seed. */
export const SEED_AUTHOR = 'MERCHANT_SETTINGS';

export interface VersionedSettings {
  version: number;
  settings: MerchantSettings;
  /** False while version 1 is the seed and nothing has been stored yet. */
  stored: boolean;
}

/** One changed field of a settings version: its dotted path and the values before and after. */
export interface SettingsChange {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * The settings in force: the stored document, validated by the schema (a bad one stops the
 * function naming the field), or — before the first `PUT /admin/settings` stores anything —
 * the seed as version 1. Nothing is written by a read: the seed is stored, with its history
 * record, by the first PUT.
 */
export async function loadSettings(store: ItemStore, seed: MerchantSettings): Promise<VersionedSettings> {
  const item = await store.get(settingsKeys.current(), { consistent: true });
  if (!item) return { version: 1, settings: seed, stored: false };
  const r = MerchantSettingsSchema.safeParse(item.settings);
  if (!r.success) throw new Error(`bad configuration: the stored settings (version ${String(item.version)}) ${firstIssue(r.error)}`);
  return { version: Number(item.version), settings: r.data, stored: true };
}

/** Every leaf that differs between two settings documents (arrays compare as one value). */
export function settingsChanges(before: unknown, after: unknown, path = ''): SettingsChange[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return names.flatMap((k) => settingsChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before: before ?? null, after: after ?? null }];
}

/** Thrown by `saveSettings` when the document moved on since `expectedVersion` was read. */
export class StaleSettings extends Error {
  constructor(readonly currentVersion: number) {
    super(`settings are at version ${currentVersion}`);
    this.name = 'StaleSettings';
  }
}

/**
 * Writes the next version, conditional on the version it was read at (never a lost update):
 * the document and its history record in one transaction; the first save also records the
 * seed as version 1.
 */
export async function saveSettings(
  store: ItemStore,
  current: VersionedSettings,
  next: MerchantSettings,
  by: string,
  at: string,
): Promise<{ version: number; changes: SettingsChange[] }> {
  const version = current.version + 1;
  const changes = settingsChanges(current.settings, next);
  const ops: WriteOp[] = [
    {
      type: 'put',
      item: { ...settingsKeys.current(), version, settings: next, updatedAt: at, updatedBy: by },
      when: current.stored ? [{ op: 'eq', path: 'version', value: current.version }] : [{ op: 'notExists' }],
    },
    { type: 'put', item: { ...settingsKeys.version(version), version, by, at, changes }, when: [{ op: 'notExists' }] },
  ];
  if (!current.stored) ops.push({ type: 'put', item: { ...settingsKeys.version(1), version: 1, by: SEED_AUTHOR, at, changes: [] }, when: [{ op: 'notExists' }] });
  try {
    await store.transact(ops);
  } catch (e) {
    if (e instanceof TransactionCancelled && e.failedAt() >= 0) throw new StaleSettings(current.version);
    throw e;
  }
  return { version, changes };
}

// ---------------------------------------------------------------------------------------------
// The per-instance cache

/** How long an instance serves its copy before reading the document again. */
export const SETTINGS_MAX_AGE_MS = 60_000;

/**
 * One instance's copy of the settings. Use cases read `deps.settings` synchronously; the
 * composition root refreshes this copy before an invocation when it is older than
 * SETTINGS_MAX_AGE_MS (or the clock moved backwards), and a PUT on the instance replaces it.
 */
export interface SettingsCache {
  readonly seed: MerchantSettings;
  current: VersionedSettings;
  /** Clock time of the last load; undefined before the first. */
  loadedAt?: number;
}

export const createSettingsCache = (seed: MerchantSettings): SettingsCache => ({ seed, current: { version: 1, settings: seed, stored: false } });

/** Reloads the cache from the store when it is stale; the first call (cold start) always loads. */
export async function refreshSettings(cache: SettingsCache, store: ItemStore, clock: Clock, maxAgeMs = SETTINGS_MAX_AGE_MS): Promise<void> {
  const now = clock.now();
  if (cache.loadedAt !== undefined && now >= cache.loadedAt && now - cache.loadedAt < maxAgeMs) return;
  cache.current = await loadSettings(store, cache.seed);
  cache.loadedAt = now;
}
