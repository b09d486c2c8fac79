/**
 * `npm run cloud:call` and `npm run cloudbase:init`, run as the user runs them (a child process
 * through tsx), with LOCAL_DIR in a temporary directory so the repository's .local is untouched.
 * The CloudBase double persists there, so calls see each other's writes, one call at a time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOUDBASE_COLLECTION_NAMES, ensureCloudbaseCollections, type CollectionAdmin } from '../../scripts/lib/cloudbase-collections.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const localDir = mkdtempSync(join(tmpdir(), 'cloud-call-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script as `npm run` would (tsx), with info logs on, so a log on stdout would show. */
function runScript(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: ROOT, env: { ...process.env, LOCAL_DIR: localDir, LOG_LEVEL: 'info', ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const cloudCall = (...args: string[]) => runScript('scripts/cloud-call.ts', args);

/** stdout must be exactly one JSON result. */
const resultOf = (run: Run) => {
  try {
    return JSON.parse(run.stdout) as { ok: boolean; data?: any; error?: { code: string } };
  } catch {
    throw new Error(`stdout is not one JSON value:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
};

afterAll(() => rmSync(localDir, { recursive: true, force: true }));

describe('npm run cloud:call', { timeout: 240_000 }, () => {
  it('calls order.catalog for c-jingan through the CloudBase entry, seeding the demo data on first use', async () => {
    const run = await cloudCall('order', 'catalog', '--openid', 'u-cli', '--data', '{"communityId":"c-jingan"}');
    expect(run.code, run.stderr).toBe(0);
    const result = resultOf(run);
    expect(result.ok).toBe(true);
    expect(result.data.wave.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.data.products.map((p: { id: string }) => p.id)).toContain('p-rice');
    expect(readdirSync(join(localDir, 'cloudbase'))).toContain('communities.json');
  });

  it('answers NOT_FOUND for an unknown action and VALIDATION_FAILED for bad input, exit code 1', async () => {
    const bad = await cloudCall('order', 'nope', '--openid', 'u-cli');
    expect(bad.code).toBe(1);
    expect(resultOf(bad)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const invalid = await cloudCall('order', 'catalog', '--openid', 'u-cli', '--data', '{"communityId":42}');
    expect(invalid.code).toBe(1);
    expect(resultOf(invalid)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'communityId' }] } } });
  });

  it('refuses a malformed command line with exit code 2 and nothing on stdout', async () => {
    for (const args of [[], ['nofn', 'catalog'], ['order', 'catalog', '--data', '{not json'], ['order', 'catalog', '--timer', 'expire'], ['verify', '--pay', 'x']]) {
      const run = await cloudCall(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/usage: npm run cloud:call/);
    }
  });

  it('keeps the database between calls: place, pay through the cloudPay callback, read it back, fire a timer', async () => {
    const now = '2026-11-24T10:00:00+08:00';
    const placed = resultOf(
      await cloudCall('order', 'place', '--openid', 'u-cli', '--now', now, '--data', JSON.stringify({ communityId: 'c-jingan', requestId: 'cli-1', items: [{ productId: 'p-rice', qty: 1 }], contact: { name: '张三', phone: '13912345678' } })),
    );
    expect(placed).toMatchObject({ ok: true, data: { order: { status: 'PENDING_PAYMENT', waveDate: '2026-11-24' } } });
    const id = placed.data.order.id as string;

    const paid = await cloudCall('order', '--pay', id, '--now', '2026-11-24T10:02:00+08:00');
    expect(paid.code, paid.stderr).toBe(0);
    expect(resultOf(paid)).toMatchObject({ ok: true, data: { orderId: id, answer: { errcode: 0 } } });

    const got = resultOf(await cloudCall('order', 'get', '--openid', 'u-cli', '--data', JSON.stringify({ id })));
    expect(got).toMatchObject({ ok: true, data: { id, status: 'PAID', paidAt: '2026-11-24T10:02:00+08:00' } });

    const timer = await cloudCall('order', '--timer', 'expire', '--now', '2026-11-24T10:30:00+08:00');
    expect(timer.code, timer.stderr).toBe(0);
    expect(resultOf(timer)).toMatchObject({ ok: true });
  });

  it('staff create a community and a product (admin upsertCommunity / upsertProduct), then edit them (updateCommunity / updateProduct)', async () => {
    const community = { name: '新华苑', address: '上海市长宁区新华路 1 号', region: '长宁区', location: { lat: 31.2101, lng: 121.4302 }, routeId: 'r-west' };
    const created = resultOf(await cloudCall('admin', 'upsertCommunity', '--openid', 'demo-staff', '--data', JSON.stringify(community)));
    expect(created).toMatchObject({ ok: true, data: { ...community, id: expect.any(String), status: 'active' } });
    const communityId = created.data.id as string;

    const product = { title: '崇明大米 5kg', category: '粮油', priceFen: 5990, supplierId: 's-grain', fresh: false };
    const made = resultOf(await cloudCall('admin', 'upsertProduct', '--openid', 'demo-staff', '--data', JSON.stringify(product)));
    expect(made).toMatchObject({ ok: true, data: { ...product, id: expect.any(String), status: 'active' } });
    const productId = made.data.id as string;

    // The customer sees both: the new community near its location, the product in its catalog.
    const near = resultOf(await cloudCall('order', 'communities', '--openid', 'u-cli', '--data', JSON.stringify(community.location)));
    expect(near.data[0]).toMatchObject({ id: communityId, name: '新华苑' });
    const catalog = resultOf(await cloudCall('order', 'catalog', '--openid', 'u-cli', '--data', JSON.stringify({ communityId })));
    expect(catalog.data.products.map((p: { id: string }) => p.id)).toContain(productId);

    // Editing names an existing one; an unknown id is NOT_FOUND, not a silent create.
    const edited = resultOf(await cloudCall('admin', 'updateProduct', '--openid', 'demo-staff', '--data', JSON.stringify({ ...product, id: productId, priceFen: 5490 })));
    expect(edited).toMatchObject({ ok: true, data: { id: productId, priceFen: 5490 } });
    const renamed = resultOf(await cloudCall('admin', 'updateCommunity', '--openid', 'demo-staff', '--data', JSON.stringify({ ...community, id: communityId, name: '新华苑二期' })));
    expect(renamed).toMatchObject({ ok: true, data: { id: communityId, name: '新华苑二期' } });
    expect(resultOf(await cloudCall('admin', 'updateProduct', '--openid', 'demo-staff', '--data', JSON.stringify({ ...product, id: 'p-nope' })))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    // A customer may not.
    expect(resultOf(await cloudCall('admin', 'upsertProduct', '--openid', 'u-cli', '--data', JSON.stringify(product)))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('npm run cloudbase:init', { timeout: 120_000 }, () => {
  const noCredentials = { TCB_ENV_ID: undefined, TCB_SECRET_ID: undefined, TCB_SECRET_KEY: undefined };

  it('--dry-run prints every collection and its indexes without credentials', async () => {
    const run = await runScript('scripts/cloudbase-init.ts', ['--dry-run'], noCredentials);
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['communities', 'order_refs', 'outbox', 'items']) expect(run.stdout).toContain(`would create collection ${name}`);
    expect(run.stdout).toMatch(/pk_sk\(pk, sk, unique\), gsi1\(gsi1pk, gsi1sk, _id\), gsi2\(gsi2pk, gsi2sk, _id\)/);
    // Every collection closed to clients.
    for (const name of CLOUDBASE_COLLECTION_NAMES) expect(run.stdout).toContain(`would set the permission of ${name} to ADMINONLY`);
  });

  it('sets every collection ADMINONLY where it is not, and changes nothing on a second run', async () => {
    const acl = new Map<string, string>([['communities', 'ADMINONLY'], ['users', 'PRIVATE']]);
    const calls: string[] = [];
    const admin: CollectionAdmin = {
      createCollectionIfNotExists: async () => ({}),
      checkIndexExists: async () => ({ Exists: true }),
      updateCollection: async () => ({}),
      aclOf: async (name) => acl.get(name),
      setAcl: async (name, tag) => {
        calls.push(`${name}=${tag}`);
        acl.set(name, tag);
      },
    };
    await ensureCloudbaseCollections(admin);
    expect(calls.sort()).toEqual(CLOUDBASE_COLLECTION_NAMES.filter((n) => n !== 'communities').map((n) => `${n}=ADMINONLY`).sort());
    calls.length = 0;
    await ensureCloudbaseCollections(admin);
    expect(calls).toEqual([]);
  });

  it('without credentials exits 1 with one line naming the variables to set', async () => {
    const run = await runScript('scripts/cloudbase-init.ts', [], noCredentials);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/TCB_ENV_ID, TCB_SECRET_ID, TCB_SECRET_KEY/)]);
  });
});
