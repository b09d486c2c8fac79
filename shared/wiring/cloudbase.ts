import type { Deps } from '#app/deps';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudPay, type CloudPayGateway } from '#adapters/cloudbase/cloud-pay';
import { createCloudSubscribeSender } from '#adapters/cloudbase/subscribe-sender';
import { createCloudFunctionLauncher } from '#adapters/cloudbase/function-launcher';
import { AppError } from '#domain/errors';
import type { PayoutGateway } from '#ports/payment';
import type { Clock } from '#ports/clock';
import { parseConfig } from '#platform/config';
import { createCloudMain } from '#platform/cloudbase';
import type { FunctionModule } from '#platform/command';
import { assembleDeps, withFreshSettings } from './shared.ts';

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
let payGateway: CloudPayGateway | undefined;

async function realPlatform(): Promise<CloudPlatform> {
  const mod: any = await import('wx-server-sdk');
  const cloud = mod.default ?? mod;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
  return { cloud, db: cloud.database(), openid: () => cloud.getWXContext().OPENID, env: process.env };
}

export async function cloudPlatform(): Promise<CloudPlatform> {
  return (platform ??= globalThis.__groupbuyCloud ?? (await realPlatform()));
}

/** A payout through cloud functions needs the merchant's WeChat Pay v3 keys; refuse clearly without them. */
const unconfiguredPayout: PayoutGateway = {
  createTransfer: async () => {
    throw new AppError('INVALID_STATE', 'payouts are not configured for this environment (WXPAY_* settings)');
  },
  parseNotification: async () => {
    throw new AppError('UNAUTHENTICATED', 'payouts are not configured');
  },
};

/** The CloudBase deps, once per cold start: the document database, cloudPay and openapi pushes. */
export function cloudbaseDeps(): () => Promise<Deps> {
  return withFreshSettings(() =>
    (deps ??= (async () => {
      const p = await cloudPlatform();
      const config = parseConfig({ PLATFORM: 'cloudbase', ...p.env });
      const store = createCloudbaseItemStore({ db: p.db });
      payGateway = createCloudPay({
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
        payout: unconfiguredPayout,
        sender: createCloudSubscribeSender({ cloud: p.cloud }),
        jobLauncher: (signer) => createCloudFunctionLauncher({ cloud: p.cloud, signer }),
        ...(p.clock ? { clock: p.clock } : {}),
      });
      return base;
    })().catch((e) => {
      deps = undefined;
      throw e;
    })),
  );
}

export async function cloudPayGateway(): Promise<CloudPayGateway> {
  await cloudbaseDeps()();
  return payGateway!;
}

/** The caller's openid from the WeChat context (never from the event data). */
export const cloudOpenid = (): string | undefined => platform?.openid();

/** `exports.main` of a CloudBase function: actions from the mini-program and timer triggers. */
export function createCloudbaseMain(mod: FunctionModule<Deps>) {
  const getDeps = cloudbaseDeps();
  const main = createCloudMain(mod, getDeps, () => cloudOpenid());
  return async (event: unknown, context: unknown) => {
    await cloudPlatform();
    return main(event, context);
  };
}
