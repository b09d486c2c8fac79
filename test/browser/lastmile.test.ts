/**
 * The console's last-mile pages in Chromium against the local stack (issue 17 items 5, 6): the
 * community delivery settings on the catalogue page, the wave's 配送单 with full addresses, and
 * 延迟到货 on the wave page. Clock: 2027-12-10 … 12-11 only (this file's range is 2027-12-01 … 12-15).
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

const D = '2027-12-10';
const WJC = 'c-wujiaochang';
const run = Date.now().toString(36);
const HOME = { name: '上官小婉', phone: '13622224444', district: '杨浦区', detail: `淞沪路${run}号2单元301室` };

describe('the console’s last mile in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  let staff: { client: Client; token: string };
  let original: Record<string, any>;
  let orderId = '';

  beforeAll(async () => {
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
    staff = await signedIn('demo-staff');
    original = ((await staff.client.admin.communities({})) as any[]).find((c) => c.id === WJC);
  });
  afterAll(async () => {
    if (original) {
      const { id, name, address, region, location, routeId, hours } = original;
      await staff.client.admin.updateCommunity({ id, name, address, region, location, routeId, ...(hours ? { hours } : {}), delivery: { enabled: false, feeFen: 0, freeAboveFen: 0, slots: [] } } as any).catch(() => undefined);
    }
    await staff?.client.dev.resetClock().catch(() => undefined);
    await context?.close();
    await browser?.close();
  });

  it('turns home delivery on for a community from the catalogue page', async () => {
    await devSignIn(page);
    await page.getByTestId('menu-catalog').click();
    await page.getByTestId('communities').waitFor();
    await page.getByTestId(`edit-delivery-${WJC}`).click();
    await page.getByTestId('delivery-dialog').waitFor();
    await page.getByTestId('delivery-enabled').click();
    await field(page, 'delivery-fee').fill('5');
    await field(page, 'delivery-free-above').fill('9.9');
    await field(page, 'delivery-slots').fill('18:00-20:00, 20:00-21:30');
    await shot(page, 'lastmile-01-delivery-settings');
    await page.getByTestId('delivery-save').click();
    await expect.poll(async () => ((await staff.client.admin.communities({})) as any[]).find((c) => c.id === WJC)?.delivery).toEqual({ enabled: true, feeFen: 500, freeAboveFen: 990, slots: ['18:00-20:00', '20:00-21:30'] });
    await expect.poll(() => page.getByTestId('communities').innerText()).toContain('20:00-21:30');
    expectClean(problems);
  });

  it('shows the wave’s 配送单 with the full address and marks the route late', async () => {
    await staff.client.dev.setClock({ now: `${D}T10:00:00+08:00` });
    const buyer = await signedIn(`browser-lm-${run}`);
    const address = (await buyer.client.order.addAddress(HOME)) as { id: string };
    const placed = (await buyer.client.order.place({ communityId: WJC, items: [{ productId: 'p-cucumber', qty: 1 }], delivery: { addressId: address.id, slot: '20:00-21:30' }, requestId: `lm-${run}`, contact: { name: HOME.name, phone: HOME.phone } } as any)) as any;
    expect(placed.order.amounts.deliveryFen).toBe(500);
    orderId = placed.order.id;
    await buyer.client.dev.pay({ orderId } as any);
    await staff.client.dev.setClock({ now: `${D}T22:00:01+08:00` });
    expect((await runJobAndWait(stackUrl(), staff.token, 'cutoff')).status).toBe('DONE');

    await page.goto(`${consoleUrl()}/#/wave?date=${D}&tab=deliveries`);
    await page.getByTestId('deliveries').waitFor();
    await page.getByTestId('dispatch').waitFor(); // 发车, once the wave's routes are read
    await expect.poll(() => page.getByTestId('deliveries').innerText()).toContain(`杨浦区 ${HOME.detail}`);
    await expect.poll(() => page.getByTestId('deliveries').innerText()).toContain(HOME.phone);
    await shot(page, 'lastmile-02-deliveries');

    await page.getByTestId('open-late').click();
    await page.getByTestId('late-dialog').waitFor();
    await field(page, 'late-at').fill('2027-12-11 20:00:00');
    await field(page, 'late-at').press('Enter');
    await field(page, 'late-reason').fill('暴雨封路');
    await shot(page, 'lastmile-03-late');
    await page.getByTestId('late-save').click();
    await expect.poll(() => page.locator('.el-message--success').innerText()).toContain('已通知');
    const order = (await buyer.client.order.get({ id: orderId })) as any;
    expect(order.arrivalAt).toBe('2027-12-11T20:00:00+08:00');
    expectClean(problems);
  });
});
