/**
 * Chromium for the browser tests: Debian's `chromium-headless-shell` (installed by .ci/run with
 * apt when missing) driven by `playwright-core` (a dependency of console/, so the backend's
 * dependencies stay as they are). Every page records console errors, page errors, failed
 * requests and HTTP errors; `expectClean` fails the test on any of them.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { expect, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from '../../console/node_modules/playwright-core/index.js';

const require = createRequire(new URL('../../console/package.json', import.meta.url));
const { chromium, selectors } = require('playwright-core') as typeof import('../../console/node_modules/playwright-core/index.js');
// The console marks what tests look for with data-test.
selectors.setTestIdAttribute('data-test');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/headless_shell', '/usr/bin/chromium'].find((p) => existsSync(p));
export const SHOTS = 'test-results/console';

export const consoleUrl = () => inject('consoleUrl');
export const stackUrl = () => inject('stackUrl');

export async function launch(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium-headless-shell is not installed (apt-get install -y chromium-headless-shell; .ci/run does it)');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** What went wrong on a page: console errors, uncaught errors, failed requests, HTTP ≥ 400. */
export interface Problems {
  list: string[];
}

export async function openPage(browser: Browser, viewport = { width: 1366, height: 860 }): Promise<{ context: BrowserContext; page: Page; problems: Problems }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await context.newPage();
  const problems: Problems = { list: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.list.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.list.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.list.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.list.push(`http ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

export function expectClean(problems: Problems) {
  expect(problems.list, problems.list.join('\n')).toEqual([]);
}

export async function shot(page: Page, name: string, fullPage = true) {
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/** Signs in through the sign-in page's dev login button (local stage) and waits for the dashboard. */
export async function devSignIn(page: Page) {
  await page.goto(`${consoleUrl()}/#/login`);
  await page.getByTestId('dev-login').click();
  await page.waitForURL(/#\/$/);
  await page.getByTestId('menu').waitFor();
}

/** The native input of an Element Plus field marked data-test (on the input itself, or on a wrapper). */
export const field = (page: Page, id: string) => page.locator(`input[data-test="${id}"], [data-test="${id}"] input`).first();
