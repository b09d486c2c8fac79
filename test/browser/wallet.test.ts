/**
 * The console's 会员与余额 page (issue 16 items 4–5) in Chromium against the local stack: a
 * customer recharges through the typed client and the sandbox pays it; staff look the customer
 * up and see principal and bonus apart, the level, and the ledger line. No clock move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { createClient, httpTransport } from '../../client/index.ts';
import { devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

describe('会员与余额 in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  const customer = `browser-wallet-${Date.now().toString(36)}`;

  beforeAll(async () => {
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('staff find a customer by id and see the wallet (principal and bonus apart), the level and the ledger', async () => {
    let token: string | undefined;
    const client = createClient({ transport: httpTransport({ baseUrl: stackUrl(), token: () => token }) });
    token = (await client.dev.login({ openid: customer })).token;
    const { recharge } = await client.order.recharge({ requestId: 'browser-rc', amountFen: 10000 });
    await client.dev.pay({ orderId: recharge.id });

    await devSignIn(page);
    await page.getByTestId('menu-members').click();
    await page.waitForURL(/#\/members/);
    await field(page, 'member-id').fill(customer);
    await page.getByTestId('member-search').click();
    const summary = page.getByTestId('member-summary');
    await summary.waitFor();
    await expect.poll(() => summary.innerText()).toContain('¥100.00');
    expect(await summary.innerText()).toContain('¥10.00');
    expect(await summary.innerText()).toContain('普通');
    const ledger = page.getByTestId('member-ledger');
    await expect.poll(() => ledger.innerText()).toContain('充值');
    expect(await page.getByTestId('member-recharges').innerText()).toContain('已支付');
    await shot(page, 'wallet-members');
    expectClean(problems);
  });
});
