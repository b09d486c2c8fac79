/**
 * The merchant console (console/) in a real browser against the local stack: sign in with the
 * dev login; create a product; walk a day with /dev/clock (customers order through the typed
 * client, the cutoff runs); the wave's purchase list and the print preview of the labels (no
 * pickup code on them); the dashboard's charts; a changed setting in the history; a tablet
 * layout. Every flow saves a screenshot under test-results/console/ and fails on any console
 * error, page error, failed request or HTTP error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
/** Fen as the console shows it (¥1,234.50). */
const yuanText = (fen: number) => `¥${Math.floor(fen / 100).toLocaleString('zh-CN')}.${String(fen % 100).padStart(2, '0')}`;
const productTitle = `浏览器测试 秋月梨 ${run}`;
const supplierId = `s-browser-${run}`;

describe('the merchant console in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  let staff: { client: Client; token: string };
  let owner: { login: string; password: string };
  const s: { waveDate?: string; orders: { id: string; shortNo: string; pickupCode?: string; phone: string; communityId: string; buyer: Client }[]; productId?: string } = { orders: [] };

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

  it('signs in by password as an owner and lands on the dashboard with today’s wave', async () => {
    owner = { login: `browser-owner-${run}`, password: `Pw-${run}-owner` };
    await staff.client.admin.createStaff({ login: owner.login, name: '浏览器店主', roles: ['owner'], password: owner.password });
    await page.goto(consoleUrl());
    await page.waitForURL(/#\/login/);
    await page.getByTestId('dev-login').waitFor();
    await field(page, 'login').fill(owner.login);
    await field(page, 'password').fill(owner.password);
    await shot(page, '01-sign-in');
    await page.getByTestId('password-submit').click();
    await page.waitForURL(/#\/$/);
    await expect.poll(() => page.getByTestId('who').innerText()).toContain('店主');
    await expect.poll(() => page.getByTestId('today').isVisible()).toBe(true);
    const catalog = await staff.client.order.catalog({ communityId: 'c-jingan' });
    s.waveDate = catalog.wave.date;
    await expect.poll(() => page.getByTestId('today').innerText()).toContain(`波次 ${s.waveDate}`);
    await expect.poll(() => page.getByTestId('countdown').innerText()).toMatch(/小时|已截单/);
    await shot(page, '02-dashboard-before-the-day');
    expectClean(problems);
  });

  it('creates a product in the catalog', async () => {
    await page.getByTestId('menu-catalog').click();
    await page.getByTestId('products').waitFor();
    await page.getByTestId('new-product').click();
    const dialog = page.getByTestId('product-dialog');
    await field(page, 'product-title').fill(productTitle);
    await field(page, 'product-category').fill('水果');
    await field(page, 'product-supplier').fill(supplierId);
    await field(page, 'product-price').fill('12.90');
    await field(page, 'product-price').blur();
    await shot(page, '03-catalog-new-product', false);
    await page.getByTestId('product-save').click();
    const error = page.getByTestId('product-error');
    const outcome = async () => ((await error.isVisible()) ? `refused: ${await error.innerText()}` : (await page.getByTestId('products').innerText()).includes(productTitle) ? 'listed' : 'waiting');
    await expect.poll(outcome).toBe('listed');
    const row = page.getByTestId('products').locator('tr', { hasText: productTitle });
    await expect.poll(() => row.innerText()).toContain('¥12.90');
    const products = (await staff.client.admin.products()) as { id: string; title: string; priceFen: number; supplierId: string }[];
    const created = products.find((p) => p.title === productTitle);
    expect(created).toMatchObject({ priceFen: 1290, supplierId });
    s.productId = created!.id;
    await shot(page, '04-catalog');
    expectClean(problems);
  });

  it('walks a day: customers order through the typed client, the clock passes the cutoff, the cutoff runs', async () => {
    const communities = ['c-jingan', 'c-jingan', 'c-xujiahui'];
    for (const [i, communityId] of communities.entries()) {
      const buyer = await signedIn(`browser-buyer-${run}-${i}`);
      const phone = `1391234${String(5000 + i).padStart(4, '0')}`;
      // The first buyer orders through a share card of the community (attributed to its leader on the dashboard).
      const scene = i === 0 ? (await buyer.client.order.shareCard({ communityId })).scene : undefined;
      const placed = await buyer.client.order.place({ communityId, items: [{ productId: s.productId!, qty: i + 1 }, { productId: 'p-rice', qty: 1 }], requestId: `browser-${run}-${i}`, contact: { name: `陈${'一二三'[i]}明`, phone }, ...(scene ? { scene } : {}) });
      expect(placed.order.waveDate).toBe(s.waveDate);
      await buyer.client.dev.pay({ orderId: placed.order.id });
      const paid = await buyer.client.order.get({ id: placed.order.id });
      expect(paid.status).toBe('PAID');
      s.orders.push({ id: paid.id, shortNo: paid.shortNo, pickupCode: paid.pickupCode, phone, communityId, buyer: buyer.client });
    }
    const cutoffAt = (await staff.client.order.catalog({ communityId: 'c-jingan' })).wave.cutoffAt;
    await staff.client.dev.setClock({ now: new Date(new Date(cutoffAt).getTime() + 5 * 60_000).toISOString() });
    const runResult = await runJobAndWait(stackUrl(), staff.token, 'cutoff');
    expect(runResult.status, JSON.stringify(runResult)).toBe('DONE');
    const wave = (await staff.client.admin.wave({ date: s.waveDate! })) as { status: string };
    expect(wave.status).toBe('CLOSED');
  });

  it('shows the wave’s purchase list by supplier, and the labels’ print preview (one per order, no pickup code)', async () => {
    await page.goto(`${consoleUrl()}/#/wave?date=${s.waveDate}&tab=purchase`);
    const supplier = page.getByTestId(`supplier-${supplierId}`);
    await supplier.waitFor();
    const text = await supplier.innerText();
    expect(text).toContain(productTitle);
    expect(text).toContain('6 件'); // 1 + 2 + 3 units ordered
    await shot(page, '05-wave-purchase-list');

    await page.getByText('分拣单与标签').click();
    await expect.poll(() => page.getByTestId('label').count()).toBeGreaterThanOrEqual(s.orders.length);
    const labels = await page.getByTestId('label').allInnerTexts();
    for (const o of s.orders) {
      const label = labels.find((l) => l.includes(o.shortNo));
      expect(label, `a label for ${o.shortNo}`).toBeTruthy();
      expect(label).toContain(`尾号 ${o.phone.slice(-4)}`);
      expect(label).not.toContain(o.phone);
      if (o.pickupCode) expect(labels.join('\n')).not.toContain(o.pickupCode);
    }
    await expect.poll(() => page.getByTestId('label').locator('img').count()).toBeGreaterThanOrEqual(s.orders.length);
    await shot(page, '06-wave-pick-lists');
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('menu').isVisible()).toBe(false);
    expect(await page.getByText('分拣汇总').first().isVisible()).toBe(false);
    await shot(page, '07-labels-print-preview');
    await page.emulateMedia({ media: 'screen' });

    await page.getByText('配送路线').click();
    await expect.poll(() => page.locator('.el-step').count()).toBeGreaterThan(0);
    await shot(page, '08-wave-routes');
    expectClean(problems);
  });

  it('posts a shortage from the purchase list and sees the refunded orders', async () => {
    await page.getByText('采购单').click();
    await page.getByTestId('open-shortage').click();
    const dialog = page.getByRole('dialog', { name: '登记缺货' });
    await dialog.locator('.el-select').click();
    await page.getByRole('option', { name: new RegExp(productTitle) }).click();
    await field(page, 'shortage-qty').fill('2');
    await field(page, 'shortage-reason').fill('供应商到货不足');
    await shot(page, '09-shortage-dialog', false);
    await dialog.getByRole('button', { name: '确认并退款' }).click();
    const result = page.getByTestId('shortage-result');
    await result.waitFor();
    // Latest paid first, whole units: the last order (3 units) gives 2.
    await expect.poll(() => result.innerText()).toContain(s.orders[2]!.id);
    expect(await result.locator('tr', { hasText: s.orders[2]!.id }).innerText()).toMatch(/\s2\s/);
    const line = page.getByTestId(`supplier-${supplierId}`).locator('tr', { hasText: productTitle });
    await expect.poll(() => line.innerText()).toMatch(/6\s+2\s+4/);
    await shot(page, '10-shortage-refunded');
    expectClean(problems);
  });

  it('finds an order by the customer’s full phone and refunds one unit from its detail', async () => {
    // The xujiahui order (the jingan ones are picked up and settled in the withdrawal flow below).
    const o = s.orders[2]!;
    await page.getByTestId('menu-orders').click();
    await page.getByTestId('orders').or(page.getByTestId('empty')).first().waitFor();
    await field(page, 'orders-phone').fill(o.phone);
    await page.getByTestId('orders-search').click();
    const rows = page.getByTestId('orders').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain(o.shortNo);
    expect(await rows.first().innerText()).not.toContain(o.phone);
    await rows.first().click();
    const detail = page.getByTestId('order-detail');
    await detail.waitFor();
    await expect.poll(() => detail.innerText()).toContain(o.shortNo);
    await detail.getByTestId('refund-unit').first().click();
    const box = page.locator('.el-message-box');
    await box.locator('input').fill('顾客反馈品质问题');
    await box.getByRole('button', { name: /确定|OK/ }).click();
    await expect.poll(() => detail.innerText()).toMatch(/已退\s*¥[1-9]/);
    await shot(page, '11-order-refunded');
    await page.locator('.el-drawer__close-btn').click();
    await detail.waitFor({ state: 'hidden' });
    expectClean(problems);
  });

  it('draws the dashboard’s charts from the closed wave', async () => {
    await page.getByTestId('menu-dashboard').click();
    await page.getByTestId('totals').waitFor();
    for (const name of ['trend', 'top-products', 'by-region', 'by-community']) {
      const canvas = page.locator(`[data-chart="${name}"] canvas`);
      await expect.poll(() => canvas.count(), { message: name }).toBeGreaterThan(0);
      const box = await canvas.first().boundingBox();
      expect(box!.width, name).toBeGreaterThan(100);
    }
    expect(await page.getByTestId('totals').innerText()).toMatch(/¥\d/);
    // Sales through share cards, by the leader the card named.
    const attributed = page.getByTestId('attributed').locator('tbody tr');
    await expect.poll(() => attributed.count()).toBeGreaterThan(0);
    expect(await attributed.first().innerText()).toMatch(/¥\d/);
    await page.waitForTimeout(800); // chart animations settle before the screenshot
    await shot(page, '12-dashboard');
    expectClean(problems);
  });

  it('changes a setting and sees it in the history', async () => {
    await page.getByTestId('menu-settings').click();
    await page.getByTestId('settings-form').waitFor();
    const before = (await staff.client.admin.settings()) as { version: number; lowStockThreshold: number };
    const input = field(page, 'setting-lowStockThreshold');
    await input.fill(String(before.lowStockThreshold + 3));
    await input.blur();
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-form').innerText()).toContain(`版本 ${before.version + 1}`);
    const history = page.getByTestId('settings-history');
    await history.waitFor();
    await expect.poll(() => history.innerText()).toContain('lowStockThreshold');
    const after = (await staff.client.admin.settings()) as { version: number; lowStockThreshold: number };
    expect(after).toMatchObject({ version: before.version + 1, lowStockThreshold: before.lowStockThreshold + 3 });
    await shot(page, '13-settings-history');
    expectClean(problems);
  });

  it('approves a withdrawal: the jingan leader’s orders are picked up, the week settles (POST /dev/clock to Monday 02:00), the leader asks, the owner approves', async () => {
    const leader = await signedIn('demo-leader-jingan');
    const arrivalAt = ((await staff.client.admin.wave({ date: s.waveDate! })) as { arrivalAt: string }).arrivalAt;
    await staff.client.dev.setClock({ now: new Date(new Date(arrivalAt).getTime() + 10 * 60_000).toISOString() });
    await leader.client.verify.arrival({ communityId: 'c-jingan', waveDate: s.waveDate! });
    for (const o of s.orders.filter((x) => x.communityId === 'c-jingan')) {
      const code = (await o.buyer.order.get({ id: o.id })).pickupCode;
      expect(code).toBeTruthy();
      expect((await leader.client.verify.redeem({ communityId: 'c-jingan', code: code! })).status).toBe('PICKED_UP');
    }
    // The Monday after the wave, 02:00:30 in Shanghai: the weekly settlement is due.
    const d = new Date(`${s.waveDate}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + (((8 - d.getUTCDay()) % 7) || 7));
    await staff.client.dev.setClock({ now: `${d.toISOString().slice(0, 10)}T02:00:30+08:00` });
    const settled = await runJobAndWait(stackUrl(), staff.token, 'settle');
    expect(settled.status, JSON.stringify(settled)).toBe('DONE');
    const balance = await leader.client.settle.balance();
    expect(balance.availableFen, JSON.stringify({ balance, settled })).toBeGreaterThan(0);
    const asked = (await leader.client.settle.withdraw({ requestId: `browser-${run}-withdraw`, amountFen: balance.availableFen })) as { id: string; status: string };
    expect(asked.status).toBe('PENDING');

    await page.getByTestId('menu-withdrawals').click();
    const table = page.getByTestId('withdrawals');
    await table.waitFor();
    const row = table.locator('tr', { hasText: yuanText(balance.availableFen) }).filter({ hasText: 'l-jingan' }).first();
    await row.waitFor();
    await shot(page, '14-withdrawals-pending');
    await row.getByRole('button', { name: '通过' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    await expect.poll(async () => ((await staff.client.settle.withdrawals({})) as { id: string; status: string }[]).find((w) => w.id === asked.id)?.status).not.toBe('PENDING');
    await expect.poll(() => table.locator('tr', { hasText: yuanText(balance.availableFen) }).filter({ hasText: 'l-jingan' }).count()).toBe(0);
    expectClean(problems);
  });

  it('an operations member signs in by password and does not see settings, withdrawals or staff', async () => {
    const member = { login: `browser-ops-${run}`, password: `Pw-${run}-ops` };
    await staff.client.admin.createStaff({ login: member.login, name: '浏览器运营', roles: ['operations'], password: member.password });
    const other = await openPage(browser);
    try {
      const p = other.page;
      await p.goto(`${consoleUrl()}/#/login`);
      await field(p, 'login').fill(member.login);
      await field(p, 'password').fill(member.password);
      await p.getByTestId('password-submit').click();
      await p.waitForURL(/#\/$/);
      await expect.poll(() => p.getByTestId('who').innerText()).toContain('运营');
      const menu = p.getByTestId('menu');
      await expect.poll(() => menu.innerText()).toContain('商品');
      const items = await menu.innerText();
      for (const hidden of ['设置', '提现审核', '财务', '员工与审计']) expect(items).not.toContain(hidden);
      await p.goto(`${consoleUrl()}/#/settings`);
      await p.waitForURL(/#\/$/);
      await p.getByTestId('today').waitFor();
      await shot(p, '15-operations-member');
      expectClean(other.problems);
    } finally {
      await other.context.close();
    }
  });

  it('signs in by scan: the ticket’s scene as a QR, confirmed locally as demo-staff, the poll hands over the session', async () => {
    const other = await openPage(browser);
    try {
      const p = other.page;
      await p.goto(`${consoleUrl()}/#/login`);
      await p.getByRole('tab', { name: '小程序扫码' }).click();
      const qr = p.getByTestId('scan-qr');
      await qr.waitFor();
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      await shot(p, '16-scan-sign-in', false);
      await p.getByTestId('scan-confirm').click();
      await p.waitForURL(/#\/$/);
      await expect.poll(() => p.getByTestId('who').innerText()).toContain('店主');
      expectClean(other.problems);
    } finally {
      await other.context.close();
    }
  });

  it('fits a tablet: the side menu collapses and the wave board still works', async () => {
    const tablet = await openPage(browser, { width: 820, height: 1180 });
    try {
      await devSignIn(tablet.page);
      await tablet.page.goto(`${consoleUrl()}/#/wave?date=${s.waveDate}&tab=purchase`);
      await tablet.page.getByTestId(`supplier-${supplierId}`).waitFor();
      const aside = await tablet.page.locator('.el-aside').boundingBox();
      expect(aside!.width).toBeLessThanOrEqual(64);
      await shot(tablet.page, '17-tablet-wave');
      expectClean(tablet.problems);
    } finally {
      await tablet.context.close();
    }
  });

  it('loads at most 500 KB gzip of JavaScript for the first page (sign-in, then the dashboard with its charts)', async () => {
    const fresh = await openPage(browser);
    try {
      const scripts = new Set<string>();
      fresh.page.on('request', (r) => {
        if (r.resourceType() === 'script' && r.url().startsWith(consoleUrl())) scripts.add(new URL(r.url()).pathname);
      });
      await devSignIn(fresh.page);
      await fresh.page.locator('[data-chart="trend"] canvas').waitFor();
      const dir = inject('consoleBuildDir');
      const sizes = [...scripts].map((path) => ({ path, gzip: gzipSync(readFileSync(join(dir, path)), { level: 9 }).length }));
      const total = sizes.reduce((n, x) => n + x.gzip, 0);
      console.info(`first page (sign-in + dashboard): ${sizes.length} scripts, ${(total / 1024).toFixed(1)} KB gzip`);
      expect(sizes.length).toBeGreaterThan(1);
      expect(total).toBeLessThanOrEqual(500 * 1024);
      expectClean(fresh.problems);
    } finally {
      await fresh.context.close();
    }
  });
});
