import { join } from 'node:path';
import type { Deps } from '#app/deps';
import type { FanOutSizing } from '#app/jobs/parts';
import { createSettingsCache, parseMerchantSettings, refreshSettings } from '#app/settings';
import { callerRolesOf } from '#app/users';
import { apiKeyRoles, isApiKeySubject, withApiKeys } from '#app/api-keys/api-keys';
import { staffIdOfSubject } from '#ports/session';
import { systemClock, type Clock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { createSessionTokens } from '#adapters/crypto/session-tokens';
import { createContactCipher } from '#adapters/crypto/contact-cipher';
import { deriveSecret } from '#adapters/crypto/derive';
import { createJobSigner, type JobSigner } from '#adapters/crypto/job-signature';
import type { JobLauncher } from '#ports/job-launcher';
import { createIds } from '#adapters/crypto/ids';
import { createCode2Session } from '#adapters/wechat/code2session';
import { createFileClock } from '#adapters/local/dev-clock';
import { createLocalPay } from '#adapters/local/local-pay';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import { createStoreSmsSink } from '#adapters/local/sms-sink';
import type { SmsSender } from '#ports/sms';
import type { WebhookClient } from '#ports/webhook';
import { createWebhookClient } from '#adapters/http/webhook-client';
import { createStableTokenProvider } from '#adapters/wechat/access-token';
import { createWechatSubscribeSender } from '#adapters/wechat/subscribe-sender';
import { createWechatPayV3 } from '#adapters/wechat/pay-v3';
import type { PaymentGateway, PayoutGateway } from '#ports/payment';
import type { MessageSender } from '#ports/message-sender';
import { toBizIso } from '#domain/time';
import { MESSAGE_KEYS } from '#domain/messages';
import { contactKeysOf, parseConfig, type Config } from '#platform/config';
import { deriveCursorKey } from '#platform/cursors';
import type { ObjectStorage } from '#ports/object-storage';
import type { MiniProgramCodes } from '#ports/mini-program-code';
import { shareAdapters } from './share.ts';
import type { UploadSigner } from '#ports/uploads';
import { createLocalUploads } from '#adapters/local/uploads';

export interface RuntimeParts {
  config: Config;
  store: ItemStore;
  clock?: Clock;
  /** Platform-specific payment and push adapters (CloudBase: cloudPay and openapi). */
  payment?: PaymentGateway;
  payout?: PayoutGateway;
  sender?: MessageSender;
  /** The SMS sender (tests inject a memory sink); default: the local sink on the local stage, else what `smsFactory` makes of the configuration. */
  sms?: SmsSender;
  /** The webhook client (default: node's http(s) with the address checks). */
  webhooks?: WebhookClient;
  /**
   * Builds the SMS sender from the configuration (wiring/sms.ts: Tencent Cloud SMS when configured).
   * Given only by the notify function's entries, whose drain sends texts: the SDK (~550 KB
   * bundled) stays out of every other function's bundle.
   */
  smsFactory?: (config: Config) => SmsSender | undefined;
  /** Share cards' storage and mini-program codes (CloudBase: cloud storage and openapi); default from the configuration (wiring/share.ts). */
  objectStorage?: ObjectStorage;
  miniCodes?: MiniProgramCodes;
  /** How job runs are started in their own function (AWS: Lambda invoke; CloudBase: callFunction; tests: in process), given the signer of starts. */
  jobLauncher?: (signer: JobSigner) => JobLauncher;
  /** Presigned uploads of the platform (S3, CloudBase storage); the local stage uses its folder. */
  uploads?: (config: Config, clock: Clock) => UploadSigner | undefined;
}

/** Signs and checks job starts (the key derived from SESSION_SECRET, shared by every function of a deployment). */
export const jobSignerOf = (config: Config): JobSigner => createJobSigner(deriveSecret(config.SESSION_SECRET, 'groupbuy job start'));

/** Where no launcher is wired (scripts, benchmarks): starting a run is refused; verifying still works. */
const noLauncher = (signer: JobSigner): JobLauncher => ({
  available: false,
  launch: async () => {
    throw new Error('no job launcher is configured here');
  },
  verify: (start, sig) => signer.verify(start, sig),
});

/** Template ids per message key from TEMPLATE_IDS (JSON); the local stage invents stable ones. */
function templateIds(config: Config): Record<string, string> {
  const given = config.TEMPLATE_IDS ? (JSON.parse(config.TEMPLATE_IDS) as Record<string, string>) : {};
  return Object.fromEntries(MESSAGE_KEYS.map((k) => [k, given[k] ?? `tmpl-${k}`]));
}

/** WeChat Pay v3 (AWS) or the sandbox (local stage). */
function payAdapters(config: Config, clock: Clock, devMode: boolean) {
  if (devMode) {
    const local = createLocalPay({ dir: join(config.LOCAL_DIR, 'sandbox-pay'), now: () => clock.now(), baseUrl: config.LOCAL_BASE_URL });
    return { payment: local.payment, payout: local.payout, sandbox: local.sandbox };
  }
  const need = (name: keyof Config) => {
    const v = config[name];
    if (!v) throw new Error(`bad configuration: ${name} is required for WeChat Pay`);
    return String(v);
  };
  const wx = createWechatPayV3({
    appId: need('WX_APPID'),
    mchId: need('WXPAY_MCH_ID'),
    merchantSerial: need('WXPAY_MERCHANT_SERIAL'),
    merchantPrivateKeyPem: need('WXPAY_PRIVATE_KEY'),
    apiV3Key: need('WXPAY_API_V3_KEY'),
    platformKeys: JSON.parse(need('WXPAY_PLATFORM_KEYS')) as Record<string, string>,
    notifyUrl: `${need('PUBLIC_BASE_URL')}/pay/notify`,
    refundNotifyUrl: `${need('PUBLIC_BASE_URL')}/pay/refund-notify`,
    transferNotifyUrl: `${need('PUBLIC_BASE_URL')}/pay/transfer-notify`,
    baseUrl: config.WXPAY_API_BASE,
    now: () => clock.now(),
  });
  return { payment: wx.payment, payout: wx.payout, sandbox: undefined };
}

/** FANOUT_* (configuration): the fan-out sizing given, the rest defaults (shared/app/jobs/parts.ts). */
function fanOutSizing(config: Config): Partial<FanOutSizing> {
  return {
    ...(config.FANOUT_CUTOFF_BATCH ? { cutoffBatch: config.FANOUT_CUTOFF_BATCH } : {}),
    ...(config.FANOUT_SETTLE_LEADERS ? { settleLeaders: config.FANOUT_SETTLE_LEADERS } : {}),
    ...(config.FANOUT_NOTIFY_BACKLOG ? { notifyBacklog: config.FANOUT_NOTIFY_BACKLOG } : {}),
    ...(config.FANOUT_MAX_PARTS ? { maxParts: config.FANOUT_MAX_PARTS } : {}),
  };
}

/**
 * Assembles the ports from configuration, once per cold start. The store is given by the
 * platform (DynamoDB on AWS and locally, the CloudBase database on CloudBase).
 */
export function assembleDeps({ config, store, clock: givenClock, ...given }: RuntimeParts): Deps {
  const devMode = config.AUTH_MODE === 'dev';
  const fileClock = devMode && config.DEV_CLOCK_FILE ? createFileClock(config.DEV_CLOCK_FILE) : undefined;
  const clock = givenClock ?? fileClock ?? systemClock;
  // MERCHANT_SETTINGS seeds version 1 of the settings document; a bad field stops the function here.
  const settingsCache = createSettingsCache(parseMerchantSettings(config.MERCHANT_SETTINGS));
  const pay = given.payment && given.payout ? { ...given, sandbox: undefined } : payAdapters(config, clock, devMode);
  const sender =
    given.sender ??
    (devMode
      ? createSinkSender(createStoreSink(store), () => toBizIso(clock.now()))
      : createWechatSubscribeSender({
          tokens: createStableTokenProvider({ appId: config.WX_APPID!, appSecret: config.WX_SECRET!, baseUrl: config.WX_API_BASE, now: () => clock.now() }),
          baseUrl: config.WX_API_BASE,
        }));
  const sms = given.sms ?? (devMode ? createStoreSmsSink(store, () => toBizIso(clock.now())) : given.smsFactory?.(config));
  const localUploads = devMode ? createLocalUploads({ dir: join(config.LOCAL_DIR, 'uploads'), baseUrl: config.LOCAL_BASE_URL, secret: deriveSecret(config.SESSION_SECRET, 'groupbuy local uploads') }) : undefined;
  const uploads = localUploads?.signer ?? given.uploads?.(config, clock);
  const deps: Deps = {
    store,
    clock,
    ...(uploads ? { uploads } : {}),
    ...(localUploads ? { uploadSandbox: localUploads.sandbox } : {}),
    ...(sms ? { sms } : {}),
    callerRoles: (userId) => (isApiKeySubject(userId) ? apiKeyRoles(deps, userId) : callerRolesOf(deps, userId)),
    customerBySubject: (userId) => !isApiKeySubject(userId) && staffIdOfSubject(userId) === undefined, // an openid (issue 19: no roles lookup on placing)
    payment: pay.payment!,
    payout: pay.payout!,
    sender,
    webhooks: given.webhooks ?? createWebhookClient(),
    templates: templateIds(config),
    ...shareAdapters(config, clock, devMode, given),
    ...(pay.sandbox ? { sandbox: pay.sandbox } : {}),
    ids: createIds(clock),
    settingsCache,
    get settings() {
      return settingsCache.current.settings;
    },
    // Sessions expire in real time: the local stage's movable business clock must not expire them.
    // API keys (`gbk_…`, shared/app/api-keys) sign in machines beside the session tokens.
    sessions: withApiKeys(createSessionTokens({ secret: config.SESSION_SECRET, ttlSeconds: config.SESSION_TTL_SECONDS, clock: systemClock, stage: config.STAGE }), () => deps),
    cursorKey: deriveCursorKey(config.SESSION_SECRET),
    wechatLogin: createCode2Session({ appId: config.WX_APPID ?? 'local', secret: config.WX_SECRET ?? 'local', baseUrl: config.WX_API_BASE }),
    contacts: createContactCipher({ ...contactKeysOf(config), macKey: deriveSecret(config.SESSION_SECRET, 'groupbuy contact mac') }),
    jobs: (given.jobLauncher ?? noLauncher)(jobSignerOf(config)),
    staffOpenids: config.STAFF_OPENIDS,
    warehouse: { lat: config.WAREHOUSE_LAT, lng: config.WAREHOUSE_LNG },
    devMode,
    ...(devMode && fileClock ? { devClock: fileClock } : {}),
    fanOut: fanOutSizing(config),
  };
  return deps;
}

/**
 * Wraps a composition root's cold-start `getDeps`: before each invocation the merchant settings
 * are read from the store when this instance's copy is older than 60 s (always at cold start,
 * where a bad stored document stops the function naming the field), so a changed setting
 * reaches every instance within a minute without a redeploy.
 */
export function withFreshSettings(getDeps: () => Promise<Deps>): () => Promise<Deps> {
  return async () => {
    const deps = await getDeps();
    await refreshSettings(deps.settingsCache, deps.store, deps.clock);
    return deps;
  };
}

export const localPath = (config: Config, ...parts: string[]) => join(config.LOCAL_DIR, ...parts);
