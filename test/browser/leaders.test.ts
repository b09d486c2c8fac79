/**
 * The console's leader-workspace pages in Chromium against the local stack (issue 17 items 1 and
 * 4): 团长申请 (approve into a new community with a route; reject with a reason), 公告 (a training
 * to one region reaches its leader) and 商品素材 (the copy a leader then gets in the daily
 * materials). Screenshots under test-results/console/leaders-*; any console error, page error,
 * failed request or HTTP error fails the test. The clock is not moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';
import { createClient, httpTransport, type Client } from '../../client/index.ts';
import { devSignIn, expectClean, field, launch, openPage, shot, stackUrl, type Problems } from './browser.ts';

async function signedIn(openid: string): Promise<Client> {
  let token: string | undefined;
  const client = createClient({ transport: httpTransport({ baseUrl: stackUrl(), token: () => token }) });
  token = (await client.dev.login({ openid })).token;
  return client;
}

const run = Date.now().toString(36);
/** The native textarea of an Element Plus textarea marked data-test (the attribute lands on the textarea itself). */
const area = (page: Page, id: string) => page.locator(`textarea[data-test="${id}"], [data-test="${id}"] textarea`).first();
const region = `浏览器区${run}`;
const application = (pointName: string, phone: string) => ({
  name: '周团长',
  pointName,
  address: '上海市闵行区七宝镇1号',
  location: { lat: 31.15, lng: 121.35 },
  region,
  hours: { opens: '08:00', closes: '21:00', closedDays: [0] },
  capacity: 40,
  phone,
  photos: ['https://img.example.com/p.jpg'],
});

describe('leader workspace pages in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  let staff: Client;
  let applicant: Client;
  let refused: Client;
  const approvedPoint = `浏览器小店${run}`;
  const refusedPoint = `浏览器驳回${run}`;
  const applicantOpenid = `browser-apply-${run}`;
  let approvedId = '';
  let refusedId = '';

  beforeAll(async () => {
    browser = await launch();
    ({ context, page, problems } = await openPage(browser));
    staff = await signedIn('demo-staff');
    applicant = await signedIn(applicantOpenid);
    refused = await signedIn(`browser-refused-${run}`);
    approvedId = ((await applicant.verify.apply(application(approvedPoint, '13912341111'))) as any).id;
    refusedId = ((await refused.verify.apply(application(refusedPoint, '13912342222'))) as any).id;
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('团长申请: approves one into a new community on a route and rejects the other with a reason', async () => {
    await devSignIn(page);
    await page.getByTestId('menu-leader-applications').click();
    const table = page.getByTestId('applications');
    await expect.poll(() => table.innerText()).toContain(approvedPoint);
    expect(await table.innerText()).toContain('尾号1111');
    expect(await table.innerText()).not.toContain('13912341111');
    await shot(page, 'leaders-01-applications');

    await page.getByTestId(`approve-${approvedId}`).click();
    await field(page, 'approve-route').fill('r-west');
    await page.getByTestId('approve-submit').click();
    await expect.poll(() => table.innerText()).not.toContain(approvedPoint);
    const leaders = ((await staff.admin.leaders({})) as any[]).filter((l) => l.openid === applicantOpenid);
    expect(leaders).toHaveLength(1);

    await page.getByTestId(`reject-${refusedId}`).click();
    await page.locator('.el-message-box input').fill('与附近自提点重叠');
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await expect.poll(() => table.innerText().catch(() => '')).not.toContain(refusedPoint);
    const rejected = (await staff.admin.leaderApplications({ status: 'REJECTED' })) as any[];
    expect(rejected.find((a) => a.id === refusedId)).toMatchObject({ status: 'REJECTED', reason: '与附近自提点重叠' });
    await shot(page, 'leaders-02-decided');
    expectClean(problems);
  });

  it('公告: a training to the new leader’s region is pushed to that one leader and listed for them', async () => {
    await page.getByTestId('menu-announcements').click();
    await page.getByTestId('announce-training').click();
    await field(page, 'announce-title').fill(`培训${run}`);
    await area(page, 'announce-body').fill('核销前请核对取货码');
    await page.getByTestId('announce-all').click();
    await field(page, 'announce-regions').fill(region);
    await page.getByTestId('announce-submit').click();
    const table = page.getByTestId('announcements');
    await expect.poll(() => table.innerText().catch(() => '')).toContain(`培训${run}`);
    expect(await table.innerText()).toContain('培训资料');
    const mine = (await applicant.verify.announcements({})) as any[];
    expect(mine).toEqual([expect.objectContaining({ title: `培训${run}`, kind: 'training' })]);
    await shot(page, 'leaders-03-announcement');
    expectClean(problems);
  });

  it('商品素材: the copy saved for a product is what the leader’s daily materials carry', async () => {
    await page.getByTestId('menu-materials').click();
    await page.getByTestId('edit-material-p-rice').click();
    const text = `新米上市 ${run}`;
    await area(page, 'material-text').fill(text);
    await area(page, 'material-images').fill('https://img.example.com/rice-1.jpg\nhttps://img.example.com/rice-2.jpg');
    await page.getByTestId('material-save').click();
    await expect.poll(() => page.getByTestId('material-text-p-rice').innerText()).toBe(text);
    const materials = (await applicant.verify.materials({})) as any;
    expect(materials.products.find((p: any) => p.productId === 'p-rice')).toMatchObject({ text, images: ['https://img.example.com/rice-1.jpg', 'https://img.example.com/rice-2.jpg'] });
    expect(materials.post).toContain(text);
    await shot(page, 'leaders-04-materials');
    expectClean(problems);
  });
});
