import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWechatPayV3, type WechatPayV3Options } from '#adapters/wechat/pay-v3';
import { createSandboxWechatPay, type SandboxWechatPay } from './sandbox-pay.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const NOW = Date.parse('2025-06-01T10:00:00+08:00');
const APP_ID = 'wx_sandbox_app';
const MCH_ID = '1900000109';

let dir: string;
let sandbox: SandboxWechatPay;
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-pay-'));
  sandbox = createSandboxWechatPay({
    appId: APP_ID,
    mchId: MCH_ID,
    dir,
    now: () => NOW,
    merchantPublicKeyPem: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The production adapter's options, wired to the sandbox exactly as the local stage wires it. */
const gatewayOptions = (now = () => NOW): WechatPayV3Options => ({
  appId: APP_ID,
  mchId: MCH_ID,
  merchantSerial: 'LOCAL_MERCHANT',
  merchantPrivateKeyPem: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  apiV3Key: sandbox.apiV3Key,
  platformKeys: sandbox.platformKeys,
  notifyUrl: 'http://localhost:3000/pay/notify',
  transferNotifyUrl: 'http://localhost:3000/pay/transfer-notify',
  fetch: sandbox.fetch,
  now,
});
const gateway = (now = () => NOW) => createWechatPayV3(gatewayOptions(now));

describe('sandbox transport', () => {
  it('answers prepay, refund and transfer through the production adapter', async () => {
    const pay = gateway();

    const params = await pay.payment.prepay({ orderId: 'O1', amountFen: 990, openid: 'oBuyer', description: '鸡蛋', expiresAt: '2025-06-01T10:30:00+08:00' });
    expect(params.package).toMatch(/^prepay_id=wx_sandbox_[0-9a-f]+$/);
    expect(params.signType).toBe('RSA');

    await expect(pay.payment.refund({ orderId: 'O1', refundId: 'R1', amountFen: 500, totalFen: 990, reason: '取消' })).resolves.toEqual({ refundId: 'R1', status: 'SUCCESS' });

    const transfer = await pay.payout.createTransfer({ withdrawalId: 'W1', openid: 'oLeader', amountFen: 8800, remark: '佣金' });
    expect(transfer).toMatchObject({ billNo: sandbox.billNoFor('W1'), state: 'WAIT_USER_CONFIRM' });
    expect(transfer.packageInfo).toEqual(expect.any(String));
  });

  it('answers invalid requests with WeChat-shaped errors', async () => {
    const noReport = createWechatPayV3({ ...gatewayOptions(), transferScene: { id: '1005', reportInfos: () => [] } });
    await expect(noReport.payout.createTransfer({ withdrawalId: 'W1', openid: 'o', amountFen: 1, remark: 'r' })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const response = await sandbox.fetch('https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi', { method: 'POST', body: '{}' });
    expect(response.status).toBe(401); // no merchant signature
    expect(await response.json()).toMatchObject({ code: 'SIGN_ERROR' });
  });

  it('refuses requests signed by another merchant key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pay = createWechatPayV3({
      appId: APP_ID,
      mchId: MCH_ID,
      merchantSerial: 'X',
      merchantPrivateKeyPem: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      apiV3Key: sandbox.apiV3Key,
      platformKeys: sandbox.platformKeys,
      notifyUrl: 'http://localhost/n',
      transferNotifyUrl: 'http://localhost/t',
      fetch: sandbox.fetch,
      now: () => NOW,
    });
    await expect(pay.payout.createTransfer({ withdrawalId: 'W1', openid: 'o', amountFen: 1, remark: 'r' })).rejects.toMatchObject({ status: 401, code: 'SIGN_ERROR' });
  });
});

describe('sandbox notifications', () => {
  it('pass the production verification of a payment notification', async () => {
    const raw = sandbox.signedPaymentNotification({ orderId: 'O1', amountFen: 990, openid: 'oBuyer', paidAt: '2025-06-01T01:59:00Z' });
    expect(Object.keys(raw.headers)).toEqual(expect.arrayContaining(['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial']));
    expect(JSON.parse(raw.body)).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction' } });
    expect(raw.body).not.toContain('oBuyer'); // the resource is encrypted

    const notice = await gateway().payment.parseNotification(raw);

    expect(notice).toEqual({
      orderId: 'O1',
      transactionId: expect.stringMatching(/^4200\d{24}$/),
      amountFen: 990,
      payerOpenid: 'oBuyer',
      paidAt: '2025-06-01T09:59:00+08:00',
      tradeState: 'SUCCESS',
    });
    // WeChat re-sends the same transaction: the derived id is stable.
    const again = await gateway().payment.parseNotification(sandbox.signedPaymentNotification({ orderId: 'O1', amountFen: 990, openid: 'oBuyer' }));
    expect(again.transactionId).toBe(notice.transactionId);
  });

  it('pass the production verification of a transfer notification', async () => {
    const raw = sandbox.signedTransferNotification({ withdrawalId: 'W1', amountFen: 8800, state: 'SUCCESS' });
    await expect(gateway().payout.parseNotification(raw)).resolves.toEqual({ withdrawalId: 'W1', billNo: sandbox.billNoFor('W1'), state: 'SUCCESS', amountFen: 8800 });
  });

  it('fail when any one character of the body changes', async () => {
    const raw = sandbox.signedPaymentNotification({ orderId: 'O2', amountFen: 100, openid: 'oBuyer' });
    const pay = gateway();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: raw.body.length - 1 }), async (i) => {
        const body = raw.body.slice(0, i) + (raw.body[i] === 'A' ? 'B' : 'A') + raw.body.slice(i + 1);
        await expect(pay.payment.parseNotification({ headers: raw.headers, body })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      }),
      { numRuns: 60 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('fail when signed more than five minutes before the receiver’s clock', async () => {
    const raw = sandbox.signedPaymentNotification({ orderId: 'O3', amountFen: 100, openid: 'oBuyer' });
    await expect(gateway(() => NOW + 6 * 60_000).payment.parseNotification(raw)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('sandbox refunds', () => {
  it('keeps a ledger the refund query reads, and signs a REFUND.* notification that passes the production verification', async () => {
    const own = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID, now: () => NOW });
    const pay = createWechatPayV3({ ...gatewayOptions(), apiV3Key: own.apiV3Key, platformKeys: own.platformKeys, fetch: own.fetch });
    own.setRefundAnswer('PROCESSING');
    await expect(pay.payment.refund({ orderId: 'O7', refundId: 'R7', amountFen: 300, totalFen: 990, reason: '取消' })).resolves.toEqual({ refundId: 'R7', status: 'PROCESSING' });
    await expect(pay.payment.queryRefund!({ orderId: 'O7', refundId: 'R7' })).resolves.toMatchObject({ orderId: 'O7', refundId: 'R7', status: 'PROCESSING', amountFen: 300 });
    await expect(pay.payment.queryRefund!({ orderId: 'O7', refundId: 'R-unknown' })).resolves.toBeUndefined();
    const raw = own.settleRefund({ refundId: 'R7', status: 'CLOSED' });
    expect(JSON.parse(raw.body)).toMatchObject({ event_type: 'REFUND.CLOSED', resource: { original_type: 'refund' } });
    await expect(pay.payment.parseRefundNotification!(raw)).resolves.toEqual({ orderId: 'O7', refundId: 'R7', status: 'CLOSED', amountFen: 300 });
    await expect(pay.payment.queryRefund!({ orderId: 'O7', refundId: 'R7' })).resolves.toMatchObject({ status: 'CLOSED' });
    // The same out_refund_no again is the same refund, as it stands.
    await expect(pay.payment.refund({ orderId: 'O7', refundId: 'R7', amountFen: 300, totalFen: 990, reason: '取消' })).rejects.toMatchObject({ code: 'REFUND_CLOSED' });
  });

  it('shares the ledger between processes through refundsDir', async () => {
    const refundsDir = join(dir, 'ledger');
    const a = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID, dir, refundsDir, now: () => NOW });
    const b = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID, dir, refundsDir, now: () => NOW });
    const pay = createWechatPayV3({ ...gatewayOptions(), fetch: a.fetch });
    await pay.payment.refund({ orderId: 'O8', refundId: 'R8', amountFen: 1, totalFen: 1, reason: 'x' });
    expect(b.refundOf('R8')).toMatchObject({ orderId: 'O8', status: 'SUCCESS' });
    await expect(pay.payment.parseRefundNotification!(b.settleRefund({ refundId: 'R8', status: 'SUCCESS' }))).resolves.toMatchObject({ status: 'SUCCESS' });
    rmSync(refundsDir, { recursive: true, force: true });
  });
});

describe('shared identity', () => {
  it('is persisted once in the directory and reused by every process', () => {
    const second = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID, dir });
    expect(second.serial).toBe(sandbox.serial);
    expect(second.platformKeys).toEqual(sandbox.platformKeys);
    expect(second.apiV3Key).toBe(sandbox.apiV3Key);
    // Beside the identity: the ledger of the payments it signed (its trade bills are written from it).
    expect(readdirSync(dir).filter((n) => n !== 'payments').sort()).toEqual(['api-v3-key', 'platform-private-key.pem']);
  });

  it('a notification signed by one sandbox instance is verified with another instance’s keys', async () => {
    const otherProcess = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID, dir, now: () => NOW });
    const raw = otherProcess.signedTransferNotification({ withdrawalId: 'W9', amountFen: 1, state: 'CANCELLED' });
    await expect(gateway().payout.parseNotification(raw)).resolves.toMatchObject({ withdrawalId: 'W9', billNo: sandbox.billNoFor('W9'), state: 'CANCELLED' });
  });

  it('without a directory, each sandbox has its own keys', () => {
    const a = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID });
    const b = createSandboxWechatPay({ appId: APP_ID, mchId: MCH_ID });
    expect(a.serial).not.toBe(b.serial);
    expect(a.apiV3Key).toHaveLength(32);
  });
});
