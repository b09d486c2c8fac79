import * as z from 'zod/mini';
import { toIssues } from './schema.ts';

/**
 * Configuration, parsed once per cold start. A missing or bad setting fails fast with a
 * message naming it; defaults exist only for business settings with a documented default.
 */
const commaList = z.pipe(
  z.optional(z.string()),
  z.transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : [])),
);
const numberFromEnv = (def: number) =>
  z.pipe(
    z.optional(z.string().check(z.regex(/^-?\d+(\.\d+)?$/, 'expected a number'))),
    z.transform((s) => (s === undefined ? def : Number(s))),
  );

const positiveIntFromEnv = () =>
  z.pipe(
    z.string().check(z.regex(/^[1-9]\d{0,6}$/, 'expected a positive whole number')),
    z.transform((s) => Number(s)),
  );

const ConfigSchema = z.object({
  STAGE: z.string().check(z.minLength(1)),
  /** `dev` enables /auth/dev-login and the /dev routes (local stage only). */
  AUTH_MODE: z.enum(['dev', 'wechat']),
  PLATFORM: z._default(z.enum(['aws', 'cloudbase']), 'aws'),
  TABLE_NAME: z.optional(z.string().check(z.minLength(1))),
  DYNAMO_ENDPOINT: z.optional(z.url()),
  SESSION_SECRET: z.string().check(z.minLength(32, 'must be at least 32 characters')),
  SESSION_TTL_SECONDS: numberFromEnv(7 * 24 * 3600),
  WX_APPID: z.optional(z.string()),
  WX_SECRET: z.optional(z.string()),
  WX_API_BASE: z._default(z.url(), 'https://api.weixin.qq.com'),
  /** WeChat Pay API v3's base URL (only tests point it elsewhere). */
  WXPAY_API_BASE: z._default(z.url(), 'https://api.mch.weixin.qq.com'),
  STAFF_OPENIDS: commaList,
  /** base64 of 32 bytes: AES-256-GCM key for contact data at rest (the single-key form; its id is CONTACT_KEY_ID). */
  CONTACT_KEY: z.optional(z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of 32 bytes'))),
  /** Several contact keys by id (rotation): JSON `{ "k1": "<base64>", "k2": "<base64>" }` or `k1:<base64>,k2:<base64>`. */
  CONTACT_KEYS: z.optional(z.string()),
  /** The id of the key new contact values are sealed with (default `k1`; required when CONTACT_KEYS holds several). */
  CONTACT_KEY_ID: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -'))),
  /** Local stack only: the Lambda invoke endpoint of serverless-offline (asynchronous job runs). */
  LAMBDA_ENDPOINT: z.optional(z.url()),
  WAREHOUSE_LAT: numberFromEnv(31.2304),
  WAREHOUSE_LNG: numberFromEnv(121.4737),
  /** Local stage: a file every local function process reads the moved clock from. */
  DEV_CLOCK_FILE: z.optional(z.string()),
  /** Local stage: where the sandbox payment keys and the notification sink live. */
  LOCAL_DIR: z._default(z.string(), '.local'),
  /** Local stage: the base URL of the local stack itself (sandbox notifications post here). */
  LOCAL_BASE_URL: z._default(z.url(), 'http://localhost:3000'),
  MERCHANT_SETTINGS: z.optional(z.string()),
  /** AWS: the S3 bucket share cards are stored in (serverless.yml `ShareBucket`), and optionally the public base URL serving it (a CDN). */
  OBJECT_BUCKET: z.optional(z.string()),
  OBJECT_PUBLIC_BASE_URL: z.optional(z.url()),
  /** JSON { messageKey: templateId } from the WeChat console. */
  TEMPLATE_IDS: z.optional(z.string()),
  /** The public base URL of the HTTP API (payment notify URLs). */
  PUBLIC_BASE_URL: z.optional(z.url()),
  WXPAY_MCH_ID: z.optional(z.string()),
  WXPAY_MERCHANT_SERIAL: z.optional(z.string()),
  WXPAY_PRIVATE_KEY: z.optional(z.string()),
  WXPAY_API_V3_KEY: z.optional(z.string()),
  WXPAY_PLATFORM_KEYS: z.optional(z.string()),
  /** Tencent Cloud SMS (the fallback of a notice without push quota): all five or none (none: no SMS outside the local stage). */
  TENCENT_SMS_SECRET_ID: z.optional(z.string()),
  TENCENT_SMS_SECRET_KEY: z.optional(z.string()),
  TENCENT_SMS_SDK_APP_ID: z.optional(z.string().check(z.regex(/^\d{6,12}$/, 'expected the SMS SdkAppId (digits)'))),
  TENCENT_SMS_SIGN_NAME: z.optional(z.string().check(z.maxLength(32))),
  /** JSON `{ "arrivalNotice": "<template id>", "pickupReminder": "<template id>", "lateNotice"?: "<template id>" }` (approved templates). */
  TENCENT_SMS_TEMPLATE_IDS: z.optional(z.string()),
  TENCENT_SMS_REGION: z._default(z.string(), 'ap-guangzhou'),
  /** `host[:port]` of the SMS API (only tests point it elsewhere). */
  TENCENT_SMS_ENDPOINT: z.optional(z.string()),
  /** AWS: the S3 bucket product images are uploaded to (presigned POST; serverless.yml renders it), and the public base URL they are read at (a CDN; default the bucket's URL). */
  UPLOADS_BUCKET: z.optional(z.string()),
  UPLOADS_PUBLIC_BASE_URL: z.optional(z.url()),
  /** Fan-out over function instances (shared/app/jobs/parts.ts): communities per cutoff part, leaders per settle part, the notify backlog that fans out, the most parts; absent: the defaults. */
  FANOUT_CUTOFF_BATCH: z.optional(positiveIntFromEnv()),
  FANOUT_SETTLE_LEADERS: z.optional(positiveIntFromEnv()),
  FANOUT_NOTIFY_BACKLOG: z.optional(positiveIntFromEnv()),
  FANOUT_MAX_PARTS: z.optional(positiveIntFromEnv()),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The secrets committed to this repository for the local stage (serverless.yml's `local`
 * params, scripts/lib/local-env.ts): every other stage refuses them.
 */
export const LOCAL_SECRETS = {
  SESSION_SECRET: 'local-session-secret-not-for-production-0001',
  CONTACT_KEY: 'bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=',
} as const;
export const COMMITTED_LOCAL_SECRETS: readonly string[] = Object.values(LOCAL_SECRETS);

/**
 * The settings that are secrets. On AWS outside the local stage each comes from SSM Parameter
 * Store at cold start: the function's environment carries only `<NAME>_PARAM`, the parameter's name.
 */
export const SECRET_SETTINGS = ['SESSION_SECRET', 'CONTACT_KEY', 'CONTACT_KEYS', 'WX_SECRET', 'WXPAY_PRIVATE_KEY', 'WXPAY_API_V3_KEY', 'TENCENT_SMS_SECRET_KEY'] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable is an absent one (a template renders unset settings as '').
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = ConfigSchema.safeParse(given);
  if (!r.success) {
    const names = toIssues(r.error).map((i) => `${i.path}: ${i.message}`);
    throw new ConfigError(`bad configuration: ${names.join('; ')}`);
  }
  const c = r.data;
  if (c.AUTH_MODE === 'wechat' && (!c.WX_APPID || !c.WX_SECRET))
    throw new ConfigError('bad configuration: WX_APPID and WX_SECRET are required when AUTH_MODE=wechat');
  if (c.AUTH_MODE === 'dev' && c.STAGE !== 'local') throw new ConfigError('bad configuration: AUTH_MODE=dev is allowed only on STAGE=local');
  if (c.PLATFORM === 'aws' && !c.TABLE_NAME) throw new ConfigError('bad configuration: TABLE_NAME is required on AWS');
  contactKeysOf(c);
  smsConfigOf(c);
  if (c.STAGE !== 'local') {
    const weak = secretProblems(c);
    if (weak.length) throw new ConfigError(`bad configuration on STAGE=${c.STAGE}: ${weak.join('; ')}`);
  }
  return c;
}

export const SMS_SETTINGS = ['TENCENT_SMS_SECRET_ID', 'TENCENT_SMS_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_IDS'] as const;

/** Tencent Cloud SMS settings when all are given, undefined when none; some only stops the function naming the rest. */
export function smsConfigOf(c: Config) {
  const missing = SMS_SETTINGS.filter((n) => !c[n]);
  if (missing.length === SMS_SETTINGS.length) return undefined;
  if (missing.length) throw new ConfigError(`bad configuration: Tencent Cloud SMS needs all of ${SMS_SETTINGS.join(', ')}; missing ${missing.join(', ')}`);
  let templateIds: Record<string, string>;
  try {
    templateIds = JSON.parse(c.TENCENT_SMS_TEMPLATE_IDS!) as Record<string, string>;
    if (typeof templateIds !== 'object' || templateIds === null || Object.values(templateIds).some((v) => typeof v !== 'string')) throw new Error();
  } catch {
    throw new ConfigError('bad configuration: TENCENT_SMS_TEMPLATE_IDS must be JSON { "arrivalNotice": "<id>", "pickupReminder": "<id>" }');
  }
  return {
    secretId: c.TENCENT_SMS_SECRET_ID!,
    secretKey: c.TENCENT_SMS_SECRET_KEY!,
    sdkAppId: c.TENCENT_SMS_SDK_APP_ID!,
    signName: c.TENCENT_SMS_SIGN_NAME!,
    templateIds,
    region: c.TENCENT_SMS_REGION,
    ...(c.TENCENT_SMS_ENDPOINT ? { endpoint: c.TENCENT_SMS_ENDPOINT } : {}),
  };
}

/** Outside the local stage: no committed secret, and keys that are 32 random bytes. Names the setting, never its value. */
function secretProblems(c: Config): string[] {
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS) {
    const v = c[name];
    if (v !== undefined && COMMITTED_LOCAL_SECRETS.includes(v)) problems.push(`${name}: is the committed local secret`);
  }
  if (!problems.some((p) => p.startsWith('SESSION_SECRET')) && !isStrongSecret(Buffer.from(c.SESSION_SECRET, 'utf8')))
    problems.push('SESSION_SECRET: must be at least 32 random bytes (e.g. `openssl rand -base64 32`)');
  const single = c.CONTACT_KEY !== undefined && !c.CONTACT_KEYS;
  for (const [id, key] of Object.entries(contactKeysOf(c).keys)) {
    const name = single ? 'CONTACT_KEY' : `CONTACT_KEYS.${id}`;
    if (problems.some((p) => p.startsWith(`${name}:`))) continue;
    if (COMMITTED_LOCAL_SECRETS.includes(key)) problems.push(`${name}: is the committed local secret`);
    else if (!isRandomKey(Buffer.from(key, 'base64'))) problems.push(`${name}: must be base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return problems;
}

/**
 * At least 32 bytes, about 128 bits by a character-frequency estimate, and not a short pattern
 * repeated: `openssl rand -base64 32` (or -hex 32) passes; "aaaa…", "abab…" and "secret" do not.
 */
export function isStrongSecret(bytes: Uint8Array): boolean {
  if (bytes.length < 32) return false;
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let bitsPerByte = 0;
  for (const n of counts.values()) bitsPerByte -= (n / bytes.length) * Math.log2(n / bytes.length);
  return bitsPerByte * bytes.length >= 128 && !isPeriodic(bytes);
}

/** Exactly 32 bytes that look random: not text, not a few repeated values. */
export function isRandomKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  const printable = bytes.every((b) => b >= 0x20 && b < 0x7f);
  return !printable && new Set(bytes).size >= 16;
}

function isPeriodic(bytes: Uint8Array): boolean {
  for (let p = 1; p <= bytes.length / 2; p++) {
    let repeats = true;
    for (let i = p; i < bytes.length && repeats; i++) repeats = bytes[i] === bytes[i - p];
    if (repeats) return true;
  }
  return false;
}

/**
 * The contact keys by id and the id new values are sealed with, from CONTACT_KEYS (JSON
 * `{ id: base64 }` or `id:base64,id:base64`) and/or the single-key form CONTACT_KEY (whose id
 * is CONTACT_KEY_ID, default `k1`). Each key is base64 of 32 bytes; the current id must name one.
 */
export function contactKeysOf(c: Pick<Config, 'CONTACT_KEY' | 'CONTACT_KEYS' | 'CONTACT_KEY_ID'>): { keys: Record<string, string>; currentKeyId: string } {
  const keys: Record<string, string> = {};
  if (c.CONTACT_KEYS) {
    const text = c.CONTACT_KEYS.trim();
    let entries: [string, unknown][];
    if (text.startsWith('{')) {
      try {
        entries = Object.entries(JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new ConfigError('bad configuration: CONTACT_KEYS: not JSON (expected { "id": "<base64>" } or id:<base64>,id:<base64>)');
      }
    } else {
      entries = text.split(',').map((pair) => {
        const at = pair.indexOf(':');
        return at > 0 ? [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] : [pair.trim(), undefined];
      });
    }
    for (const [id, key] of entries) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ConfigError('bad configuration: CONTACT_KEYS: a key id must be 1-32 of A-Z a-z 0-9 _ -');
      if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(key)) throw new ConfigError(`bad configuration: CONTACT_KEYS.${id}: must be base64 of 32 bytes`);
      if (Object.hasOwn(keys, id)) throw new ConfigError(`bad configuration: CONTACT_KEYS.${id}: given twice`);
      keys[id] = key;
    }
  }
  const ids = Object.keys(keys);
  const currentKeyId = c.CONTACT_KEY_ID ?? (ids.length === 1 && c.CONTACT_KEY === undefined ? ids[0]! : 'k1');
  if (c.CONTACT_KEY !== undefined) {
    if (Object.hasOwn(keys, currentKeyId) && keys[currentKeyId] !== c.CONTACT_KEY)
      throw new ConfigError(`bad configuration: CONTACT_KEY and CONTACT_KEYS.${currentKeyId} differ`);
    keys[currentKeyId] = c.CONTACT_KEY;
  }
  if (!Object.keys(keys).length) throw new ConfigError('bad configuration: CONTACT_KEY or CONTACT_KEYS is required');
  if (ids.length > 1 && c.CONTACT_KEY_ID === undefined && c.CONTACT_KEY === undefined)
    throw new ConfigError('bad configuration: CONTACT_KEY_ID must name the current key when CONTACT_KEYS holds several');
  if (!Object.hasOwn(keys, currentKeyId)) throw new ConfigError(`bad configuration: CONTACT_KEY_ID: ${currentKeyId} is not among the contact keys`);
  return { keys, currentKeyId };
}
