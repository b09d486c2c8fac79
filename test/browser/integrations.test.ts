/**
 * The console's 集成 and 对账 pages in Chromium against the local stack (issue 18): a webhook to
 * a receiver on this machine is registered and its secret shown once; an API key is created
 * (shown once), reads orders over HTTP, is revoked from the page and then refused; the
 * reconciliation of a day is read by date. The clock is not moved (dates 2028-02-01 … 15 only).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

/** The one-time secret or key in the dialog. */
const secret = (page: Page) => page.locator('.el-dialog .once-value input').first();

describe('the console’s integrations and reconciliation pages', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  const server: Server = createServer((_req, res) => res.writeHead(204).end());
  let receiver = '';

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
    await devSignIn(page);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('registers a webhook and shows its secret once', async () => {
    await page.getByTestId('menu-integrations').click();
    await field(page, 'hook-url').fill(receiver);
    await page.getByTestId('hook-add').click();
    await expect.poll(() => secret(page).inputValue()).toMatch(/^whsec_/);
    await shot(page, 'integrations-01-webhook-secret');
    await page.getByRole('button', { name: '我已保存' }).click();
    await expect.poll(() => page.getByTestId('hooks').innerText()).toContain(receiver);
    expectClean(problems);
  });

  it('creates an API key once, which reads orders until revoked on the page', async () => {
    await page.getByRole('tab', { name: 'API 密钥' }).click();
    await field(page, 'key-name').fill('浏览器 ERP');
    await page.getByTestId('key-add').click();
    await expect.poll(() => secret(page).inputValue()).toMatch(/^gbk_/);
    const key = await secret(page).inputValue();
    await page.getByRole('button', { name: '我已保存' }).click();
    await expect.poll(() => page.getByTestId('keys').innerText()).toContain('浏览器 ERP');
    const read = await fetch(`${stackUrl()}/admin/orders`, { headers: { authorization: `Bearer ${key}` } });
    expect(read.status).toBe(200);
    const row = page.getByTestId('keys').locator('tr', { hasText: '浏览器 ERP' });
    await row.getByRole('button', { name: '吊销' }).click();
    await expect.poll(() => row.innerText()).toContain('已吊销');
    expect((await fetch(`${stackUrl()}/admin/orders`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    await shot(page, 'integrations-02-api-keys');
    expectClean(problems);
  });

  it('reads the reconciliation of a day', async () => {
    await page.getByTestId('menu-reconciliation').click();
    const date = field(page, 'recon-date');
    await date.fill('2028-02-06');
    await date.press('Enter');
    await page.getByTestId('recon-go').click();
    await expect.poll(() => page.getByTestId('recon-summary').innerText()).toContain('一致');
    await expect.poll(() => page.getByTestId('recon-mismatches').innerText()).toContain('账单与订单一致');
    await shot(page, 'integrations-03-reconciliation');
    expectClean(problems);
  });
});
