/**
 * The console's 团购活动/优惠券 page in Chromium (issue 16 items 1 and 6): the team offers and the
 * claimable coupons staff made are listed with what was sold or claimed; a 满赠 gift is created
 * from the page's dialog. No clock is moved (the offers' dates are 2027-10-01 … 10-10).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { createClient, httpTransport, type Client } from '../../client/index.ts';
import { devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

const run = Date.now().toString(36);

describe('团购活动/优惠券 in the console', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  let staff: Client;

  beforeAll(async () => {
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
    let token: string | undefined;
    staff = createClient({ transport: httpTransport({ baseUrl: stackUrl(), token: () => token }) });
    token = (await staff.dev.login({ openid: 'demo-staff' })).token;
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('lists the team offers and claimable coupons, and creates a 满赠 gift from the dialog', async () => {
    await staff.admin.upsertTeamOffer({ productId: 'p-oil', teamSize: 3, teamPriceFen: 8880, windowHours: 12, perUserLimit: 1, stock: 40, startsAt: '2027-10-01T00:00:00+08:00', endsAt: '2027-10-10T00:00:00+08:00' });
    const title = `浏览器领券 ${run}`;
    await staff.admin.upsertCoupon({ title, kind: 'fixed', valueFen: 300, thresholdFen: 3000, validFrom: '2027-10-01T00:00:00+08:00', validTo: '2027-10-10T00:00:00+08:00', claimable: { totalCap: 77, perUserCap: 1 }, validDays: 5 });

    await devSignIn(page);
    await page.getByTestId('menu-growth').click();
    const offers = page.getByTestId('offers');
    await offers.waitFor();
    await expect.poll(() => offers.innerText()).toContain('¥88.80');
    expect(await offers.innerText()).toContain('3 人');
    await shot(page, 'teams-01-offers');

    await page.getByRole('tab', { name: '领券中心' }).click();
    const coupons = page.getByTestId('coupons');
    await coupons.waitFor();
    const row = coupons.locator('tr', { hasText: title });
    await expect.poll(() => row.innerText()).toContain('0/77');
    expect(await row.innerText()).toContain('领取后 5 天');
    await shot(page, 'teams-02-coupons');

    await page.getByRole('tab', { name: '满赠' }).click();
    await page.getByTestId('new-gift').click();
    await field(page, 'gift-product').fill('p-eggs');
    // A threshold no other browser test's order reaches (¥99,999).
    const threshold = page.getByTestId('growth-dialog').locator('.el-input-number').nth(0).locator('input');
    await threshold.fill('99999');
    await threshold.blur();
    await page.getByTestId('growth-save').click();
    const gifts = page.getByTestId('gifts');
    await expect.poll(async () => ((await page.getByTestId('growth-error').isVisible()) ? `refused: ${await page.getByTestId('growth-error').innerText()}` : await gifts.innerText())).toContain('¥99,999.00');
    const made = ((await staff.admin.gifts()) as { productId: string; thresholdFen: number; stock: number }[]).find((g) => g.thresholdFen === 9_999_900);
    expect(made).toMatchObject({ productId: 'p-eggs', stock: 10 });
    await shot(page, 'teams-03-gifts');
    expectClean(problems);
  });
});
