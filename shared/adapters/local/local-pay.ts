import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWechatPayV3 } from '#adapters/wechat/pay-v3';
import { createSandboxWechatPay, type SandboxWechatPay } from './sandbox-pay.ts';

export const LOCAL_APP_ID = 'wxlocal0000000000';
export const LOCAL_MCH_ID = '1900000001';

function merchantKey(dir: string | undefined): string {
  const make = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (!dir) return make();
  const path = join(dir, 'merchant-private-key.pem');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, make());
    if (!existsSync(path)) renameSync(tmp, path);
  }
  return readFileSync(path, 'utf8');
}

/**
 * The local stage's payments: the production WeChat Pay v3 adapter talking to the sandbox, which
 * answers its API calls and signs real notifications, so `/dev/pay/{orderId}` drives the same
 * verification path as production. Keys live under `dir` so every local process shares them.
 */
export function createLocalPay(options: { dir?: string; now: () => number; baseUrl: string }) {
  const sandbox: SandboxWechatPay = createSandboxWechatPay({
    appId: LOCAL_APP_ID,
    mchId: LOCAL_MCH_ID,
    dir: options.dir,
    ...(options.dir ? { refundsDir: join(options.dir, 'refunds') } : {}),
    now: options.now,
  });
  const wx = createWechatPayV3({
    appId: LOCAL_APP_ID,
    mchId: LOCAL_MCH_ID,
    merchantSerial: 'LOCALMERCHANT0001',
    merchantPrivateKeyPem: merchantKey(options.dir),
    apiV3Key: sandbox.apiV3Key,
    platformKeys: sandbox.platformKeys,
    notifyUrl: `${options.baseUrl}/pay/notify`,
    refundNotifyUrl: `${options.baseUrl}/pay/refund-notify`,
    transferNotifyUrl: `${options.baseUrl}/pay/transfer-notify`,
    fetch: sandbox.fetch,
    now: options.now,
  });
  return { sandbox, payment: wx.payment, payout: wx.payout };
}
