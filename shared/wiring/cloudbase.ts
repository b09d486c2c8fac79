import type { Deps } from '#app/deps';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudPay, type CloudPayGateway } from '#adapters/cloudbase/cloud-pay';
import { createCloudSubscribeSender } from '#adapters/cloudbase/subscribe-sender';
import { createCloudCodes, createCloudStorage } from '#adapters/cloudbase/storage';
import { createCloudFunctionLauncher } from '#adapters/cloudbase/function-launcher';
import { createCloudbaseUploads, type CloudStorageApi } from '#adapters/cloudbase/storage-uploads';
import { createWechatPayV3 } from '#adapters/wechat/pay-v3';
import { AppError } from '#domain/errors';
import type { PayoutGateway } from '#ports/payment';
import type { Clock } from '#ports/clock';
import { parseConfig, type Config } from '#platform/config';
import { createCloudMain } from '#platform/cloudbase';
import { cronMatchesMinute } from '#platform/cron';
import { SCHEDULES } from '#app/schedules';
import type { FunctionModule } from '#platform/command';
import { assembleDeps, withFreshSettings, type RuntimeParts } from './shared.ts';

/**
 * What a CloudBase function needs from the platform. In the cloud it is `wx-server-sdk`
 * (installed beside the bundle, see scripts/build.ts); tests and `npm run cloud:call` put a
 * double of it on `globalThis.__groupbuyCloud` before the first call, keeping the real
 * database SDK in the loop.
 */
export interface CloudPlatform {
  cloud: any;
  db: any;
  openid(): string | undefined;
  env: Record<string, string | undefined>;
  /** Tests and local tooling only: the clock every dep reads (default: the system clock). */
  clock?: Clock;
}

declare global {
  // eslint-disable-next-line no-var
  var __groupbuyCloud: CloudPlatform | undefined;
}

let platform: CloudPlatform | undefined;
let deps: Promise<Deps> | undefined;

async function realPlatform(): Promise<CloudPlatform> {
  const mod: any = await import('wx-server-sdk');
  const cloud = mod.default ?? mod;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
  return { cloud, db: cloud.database(), openid: () => cloud.getWXContext().OPENID, env: process.env };
}

export async function cloudPlatform(): Promise<CloudPlatform> {
  return (platform ??= globalThis.__groupbuyCloud ?? (await realPlatform()));
}

/**
 * Payouts (商家转账) from CloudBase: cloudPay has no merchant transfer, so the functions call
 * WeChat Pay API v3 over HTTPS with the same adapter as AWS, keys from the function's
 * environment (WXPAY_MCH_ID, WXPAY_MERCHANT_SERIAL, WXPAY_PRIVATE_KEY, WXPAY_API_V3_KEY,
 * WXPAY_PLATFORM_KEYS, PUBLIC_BASE_URL for the transfer notification). Partly configured is a
 * configuration error naming what is missing; not configured at all refuses each payout clearly,
 * and the withdrawal goes back to PENDING with that reason.
 */
const PAYOUT_SETTINGS = ['WXPAY_MCH_ID', 'WXPAY_MERCHANT_SERIAL', 'WXPAY_PRIVATE_KEY', 'WXPAY_API_V3_KEY', 'WXPAY_PLATFORM_KEYS', 'PUBLIC_BASE_URL'] as const;

export function cloudbasePayout(config: Config, now: () => number): PayoutGateway {
  const given = PAYOUT_SETTINGS.filter((k) => config[k]);
  if (given.length === 0) return unconfiguredPayout;
  const missing = PAYOUT_SETTINGS.filter((k) => !config[k]);
  if (missing.length) throw new Error(`bad configuration: ${missing.join(', ')} required for payouts (WeChat Pay v3) once any WXPAY_* payout setting is given`);
  if (!config.WX_APPID) throw new Error('bad configuration: WX_APPID is required for payouts');
  let platformKeys: Record<string, string>;
  try {
    platformKeys = JSON.parse(config.WXPAY_PLATFORM_KEYS!) as Record<string, string>;
  } catch {
    throw new Error('bad configuration: WXPAY_PLATFORM_KEYS must be JSON { serial: public key PEM }');
  }
  return createWechatPayV3({
    appId: config.WX_APPID,
    mchId: config.WXPAY_MCH_ID!,
    merchantSerial: config.WXPAY_MERCHANT_SERIAL!,
    merchantPrivateKeyPem: config.WXPAY_PRIVATE_KEY!,
    apiV3Key: config.WXPAY_API_V3_KEY!,
    platformKeys,
    // Payments are cloudPay's on CloudBase: only the transfer's notification URL is used.
    notifyUrl: `${config.PUBLIC_BASE_URL}/pay/notify`,
    transferNotifyUrl: `${config.PUBLIC_BASE_URL}/pay/transfer-notify`,
    baseUrl: config.WXPAY_API_BASE,
    now,
  }).payout;
}

/** Without the merchant's WeChat Pay v3 keys: refuse each payout clearly. */
const unconfiguredPayout: PayoutGateway = {
  createTransfer: async () => {
    throw new AppError('INVALID_STATE', 'payouts are not configured for this environment (WXPAY_* settings)');
  },
  parseNotification: async () => {
    throw new AppError('UNAUTHENTICATED', 'payouts are not configured');
  },
};

/** Storage upload metadata: the platform object when it has it (a double), else the server SDK of the current environment, loaded on first use. */
let storageApi: Promise<CloudStorageApi> | undefined;
function cloudStorage(p: CloudPlatform): Promise<CloudStorageApi> {
  if (typeof p.cloud?.getUploadMetadata === 'function') return Promise.resolve(p.cloud as CloudStorageApi);
  return (storageApi ??= import('@cloudbase/node-sdk').then((m: any) => {
    const tcb = m.default ?? m;
    return tcb.init({ env: tcb.SYMBOL_CURRENT_ENV }) as CloudStorageApi;
  }));
}

/** The CloudBase deps, once per cold start: the document database, cloudPay, WeChat Pay v3 payouts (when configured) and openapi pushes. */
export function cloudbaseDeps(options: Pick<RuntimeParts, 'smsFactory'> = {}): () => Promise<Deps> {
  return withFreshSettings(() =>
    (deps ??= (async () => {
      const p = await cloudPlatform();
      const config = parseConfig({ PLATFORM: 'cloudbase', ...p.env });
      const store = createCloudbaseItemStore({ db: p.db });
      const payGateway: CloudPayGateway = createCloudPay({
        cloud: p.cloud,
        subMchId: p.env.WXPAY_SUB_MCH_ID ?? '',
        envId: p.env.TCB_ENV ?? p.env.SCF_NAMESPACE ?? '',
        functionName: 'order',
        // The deps' clock, so the pay window is judged on the same time as the rest.
        now: () => base.clock.now(),
      });
      const base = assembleDeps({
        config: { ...config, AUTH_MODE: config.AUTH_MODE },
        store,
        payment: payGateway,
        payout: cloudbasePayout(config, () => base.clock.now()),
        sender: createCloudSubscribeSender({ cloud: p.cloud }),
        objectStorage: createCloudStorage({ cloud: p.cloud }),
        miniCodes: createCloudCodes({ cloud: p.cloud }),
        jobLauncher: (signer) => createCloudFunctionLauncher({ cloud: p.cloud, signer }),
        // A double without storage (tests, cloud:call) has no uploads: admin.upload answers INVALID_STATE.
        uploads: () => (typeof p.cloud?.getUploadMetadata === 'function' || !globalThis.__groupbuyCloud ? createCloudbaseUploads(() => cloudStorage(p)) : undefined),
        ...(p.clock ? { clock: p.clock } : {}),
        ...options,
      });
      return base;
    })().catch((e) => {
      deps = undefined;
      throw e;
    })),
  );
}

/** The caller's openid from the WeChat context (never from the event data). */
export const cloudOpenid = (): string | undefined => platform?.openid();

/** `exports.main` of a CloudBase function: actions from the mini-program and timer triggers. */
export function createCloudbaseMain(mod: FunctionModule<Deps>, options: Pick<RuntimeParts, 'smsFactory'> = {}) {
  const getDeps = cloudbaseDeps(options);
  const main = createCloudMain(mod, getDeps, () => cloudOpenid(), dueJobs(mod.name));
  return async (event: unknown, context: unknown) => {
    await cloudPlatform();
    return main(event, context);
  };
}

/** The jobs of a function whose own CloudBase cron names the minute of a heartbeat tick. */
export const dueJobs =
  (fn: string) =>
  (_trigger: string, atMs: number): string[] =>
    Object.entries(SCHEDULES)
      .filter(([, s]) => s.fn === fn && cronMatchesMinute(s.cloudbase, atMs))
      .map(([job]) => job);
