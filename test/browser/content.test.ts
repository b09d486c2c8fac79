/**
 * Issue 18 items 4 and 7 in the console (Chromium against the local stack): a category tree
 * saved from the categories page; a product created with content and an image uploaded straight
 * to the presigned form (previewed in the editor, then on the product); a CSV import whose dry
 * run lists the bad row and applies nothing, then applies once fixed. The clock is not moved.
 * Screenshots under test-results/console/; any console error, failed request or HTTP error fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { createClient, httpTransport, type Client } from '../../client/index.ts';
import { devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

const run = Date.now().toString(36);
/** A textarea marked data-test (Element Plus puts the attribute on the native element). */
const area = (page: Page, id: string) => page.locator(`textarea[data-test="${id}"], [data-test="${id}"] textarea`).first();
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('product content in the console', () => {
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
    await devSignIn(page);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('saves a category tree', async () => {
    await page.getByTestId('menu-categories').click();
    await page.getByTestId('categories').waitFor();
    // The stored tree is loaded before a row is added (the load replaces the rows).
    const stored = ((await staff.admin.categories()) as unknown[]).length;
    await expect.poll(() => page.locator('[data-test="categories"] .el-table__body tr').count()).toBe(stored);
    await page.getByTestId('category-add').click();
    const last = page.locator('[data-test="categories"] .el-table__body tr').last();
    await last.locator('input[data-test="category-name"], [data-test="category-name"] input').first().fill(`叶菜${run}`);
    await last.locator('input[data-test="category-id"], [data-test="category-id"] input').first().fill(`leafy-${run}`);
    await page.getByTestId('category-save').click();
    await expect.poll(async () => ((await staff.admin.categories()) as { id: string }[]).map((c) => c.id)).toContain(`leafy-${run}`);
    await shot(page, 'content-01-categories');
    expectClean(problems);
  });

  it('creates a product with content and an uploaded image, previewed and stored on the product', async () => {
    const title = `浏览器 西红柿 ${run}`;
    await page.getByTestId('menu-catalog').click();
    await page.getByTestId('products').waitFor();
    await page.getByTestId('new-product').click();
    await field(page, 'product-title').fill(title);
    await field(page, 'product-category').fill(`leafy-${run}`);
    await field(page, 'product-supplier').fill('s-farm');
    await field(page, 'product-price').fill('3.90');
    await field(page, 'product-spec').fill('500g/份');
    await area(page, 'product-tips').fill('糖拌西红柿');
    await page.getByTestId('product-image-file').setInputFiles({ name: 'tomato.png', mimeType: 'image/png', buffer: PNG });
    const img = page.getByTestId('product-image').first();
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(1);
    await shot(page, 'content-02-product-editor-with-image');
    await page.getByTestId('product-save').click();
    await page.getByTestId('product-dialog').waitFor({ state: 'hidden' });
    const stored = ((await staff.admin.products()) as any[]).find((p) => p.title === title);
    expect(stored).toMatchObject({ spec: '500g/份', tips: '糖拌西红柿', category: `leafy-${run}` });
    expect(stored.images).toHaveLength(1);
    const served = await fetch(stored.images[0]);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    expectClean(problems);
  });

  it('imports: the dry run lists the bad row and applies nothing; fixed, the import applies every row', async () => {
    const before = ((await staff.admin.products()) as unknown[]).length;
    await page.getByTestId('menu-imports').click();
    const bad = ['id,title,category,priceFen,supplierId,fresh', `br-a-${run},山药,蔬菜,590,s-farm,true`, `br-b-${run},莲藕,蔬菜,free,s-farm,true`].join('\n');
    await area(page, 'import-csv').fill(bad);
    await page.getByTestId('import-dry-run').click();
    await page.getByTestId('import-errors').waitFor();
    await expect.poll(() => page.getByTestId('import-errors').innerText()).toMatch(/3\s+priceFen/);
    await shot(page, 'content-03-import-errors');
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-failed').waitFor();
    expect(((await staff.admin.products()) as unknown[]).length).toBe(before);
    await area(page, 'import-csv').fill(bad.replace(',free,', ',690,'));
    await page.getByTestId('import-dry-run').click();
    await page.getByTestId('import-ok').waitFor();
    expect(((await staff.admin.products()) as unknown[]).length).toBe(before);
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-applied').waitFor();
    expect(((await staff.admin.products()) as unknown[]).length).toBe(before + 2);
    await shot(page, 'content-04-import-applied');
    expectClean(problems);
  });
});
