/**
 * The console's supply pages in Chromium (issue 18): 供应商 — a supplier created from the form,
 * listed with its contact masked; 采购单 — after a wave (2028-01-15, inside this file's dates
 * 2028-01-01 … 2028-01-20) its purchase orders per supplier, received with rejects from the
 * form: the shortfall past the loss buffer is refunded and shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { createClient, httpTransport, type Client } from '../../client/index.ts';
import { runJobAndWait } from '../support/jobs.ts';
import { consoleUrl, devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

async function signedIn(openid: string): Promise<{ client: Client; token: string }> {
  let token: string | undefined;
  const client = createClient({ transport: httpTransport({ baseUrl: stackUrl(), token: () => token }) });
  token = (await client.dev.login({ openid })).token;
  return { client, token };
}

const run = Date.now().toString(36);
const WAVE = '2028-01-15';
const supplierId = `s-br-${run}`;
const supplierName = `浏览器供应商${run}`;
const productId = `p-br-${run}`;

describe('the supply pages in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  let staff: { client: Client; token: string };

  beforeAll(async () => {
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
    staff = await signedIn('demo-staff');
  });
  afterAll(async () => {
    await staff?.client.dev.resetClock().catch(() => undefined);
    await context?.close();
    await browser?.close();
  });

  it('供应商: creates a supplier from the form; the list shows the contact masked', async () => {
    await devSignIn(page);
    await staff.client.dev.setClock({ now: `${WAVE}T09:00:00+08:00` });
    await page.getByTestId('menu-suppliers').click();
    await page.getByTestId('new-supplier').click();
    await page.getByTestId('supplier-form').waitFor();
    await page.locator('[data-test="supplier-form"] input').first().fill(supplierId);
    await field(page, 'supplier-name').fill(supplierName);
    await field(page, 'supplier-contact').fill('赵经理');
    await field(page, 'supplier-phone').fill('13700002222');
    await field(page, 'supplier-capacity').fill(`${productId}:3`);
    await shot(page, 'supply-01-new-supplier', false);
    await page.getByTestId('save-supplier').click();
    const row = page.getByTestId('suppliers').locator('tr', { hasText: supplierName });
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.innerText();
    expect(text).toContain('赵**');
    expect(text).toContain('2222');
    expect(text).not.toContain('13700002222');
    await shot(page, 'supply-02-suppliers');
    expectClean(problems);
  });

  it('采购单: after the cutoff, receives with rejects; the shortfall past the buffer is refunded and shown', async () => {
    await staff.client.admin.upsertProduct({ id: productId, title: `浏览器 小白菜 ${run}`, category: '蔬菜', priceFen: 300, costFen: 150, fresh: true, suppliers: [supplierId, 's-market'], lossBufferPct: 10 } as any);
    // 6 units ordered: buffer 1 → buy 7; the primary's capacity is 3, the backup takes 4.
    for (let i = 0; i < 2; i++) {
      const buyer = await signedIn(`br-supply-${run}-${i}`);
      const placed = await buyer.client.order.place({ communityId: 'c-jingan', items: [{ productId, qty: 3 }], requestId: `br-su-${run}-${i}`, contact: { name: '周九', phone: `1391111${String(1000 + i)}` } });
      await buyer.client.dev.pay({ orderId: placed.order.id });
    }
    await staff.client.dev.setClock({ now: `${WAVE}T22:05:00+08:00` });
    expect((await runJobAndWait(stackUrl(), staff.token, 'cutoff')).status).toBe('DONE');

    await page.goto(`${consoleUrl()}/#/purchase-orders?date=${WAVE}`);
    const card = page.getByTestId(`po-${supplierId}`);
    await card.waitFor();
    expect(await card.innerText()).toContain('已下单');
    await expect.poll(() => page.getByTestId('po-s-market').innerText()).toContain(`浏览器 小白菜 ${run}`);
    await shot(page, 'supply-03-purchase-orders');

    // The primary delivers 3, all rejected: 0 + 4 accepted for 6 ordered → 2 short (the buffer's 1 absorbed).
    await card.getByTestId('po-receive').click();
    const form = page.getByTestId('receive-form');
    await form.waitFor();
    await field(page, 'rejected-qty').fill('3');
    await field(page, 'rejected-qty').blur();
    await shot(page, 'supply-04-receive', false);
    await page.getByTestId('receive-submit').click();
    await expect.poll(() => card.innerText()).toContain('已收货');
    expect(await card.innerText()).toContain('到货短缺');
    const po = ((await staff.client.cutoff.purchaseOrders({ date: WAVE })) as any).purchaseOrders.find((p: any) => p.supplierId === supplierId);
    expect(po.shortages).toEqual([expect.objectContaining({ productId, qty: 2 })]);
    await shot(page, 'supply-05-received');
    expectClean(problems);
  });
});
