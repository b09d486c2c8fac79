import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { dispatch } from '#platform/dispatch';
import { createHttpHandler } from '#platform/http';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { allOfType } from '#app/keys';
import { createLocalUploads } from '#adapters/local/uploads';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 18 items 4 and 7 (DESIGN.md §14) on DynamoDB Local through the registry's commands:
 * product content, the category tree, per-community availability, catalogue search by Chinese,
 * pinyin and initials, a presigned upload into the local folder read back through the HTTP
 * transport, and CSV imports that apply all rows or none.
 */
const D = '2026-11-24';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const mod = (name: string) => FUNCTIONS.find((m) => m.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TOMATO = { title: '西红柿', category: '蔬菜', priceFen: 390, supplierId: 's-veg', fresh: true };
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function httpEvent(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer | string; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const binary = Buffer.isBuffer(init.body);
  return {
    rawPath: path,
    requestContext: { http: { method, path } },
    headers: init.headers ?? {},
    queryStringParameters: init.query,
    body: init.body === undefined ? undefined : binary ? (init.body as Buffer).toString('base64') : (init.body as string),
    isBase64Encoded: binary,
  } as unknown as APIGatewayProxyEventV2;
}

/** The local stage's uploads on this world (its own folder), dev routes on. */
function withLocalUploads(w: TestWorld) {
  const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
  dirs.push(dir);
  const local = createLocalUploads({ dir, baseUrl: 'http://localhost:3000', secret: Buffer.alloc(32, 7) });
  Object.assign(w.deps, { uploads: local.signer, uploadSandbox: local.sandbox, devMode: true, devClock: { set: async () => {}, reset: async () => {} } });
  return createHttpHandler(mod('dev'), async () => w.deps);
}

async function postForm(dev: ReturnType<typeof withLocalUploads>, presigned: { url: string; fields: Record<string, string> }, file: Buffer, type: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(presigned.fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)], { type }), 'x');
  const req = new Request(presigned.url, { method: 'POST', body: form });
  const body = Buffer.from(await req.arrayBuffer());
  return dev(httpEvent('POST', new URL(presigned.url).pathname, { headers: { 'content-type': req.headers.get('content-type')! }, body }));
}

describe('product content', () => {
  it('an uploaded image appears on the product: presigned local form, product saved with it, read back, file fetched back', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const dev = withLocalUploads(w);
    // Too large or not an image: 400 before anything is signed.
    expect(codeOf(await error(staff(w, 'admin.upload', { contentType: 'image/png', size: 5 * 1024 * 1024 + 1 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(staff(w, 'admin.upload', { contentType: 'application/pdf', size: 100 })))).toBe('VALIDATION_FAILED');
    const presigned = await staff(w, 'admin.upload', { contentType: 'image/png', size: PNG.length });
    expect(presigned).toMatchObject({ method: 'POST', url: 'http://localhost:3000/dev/uploads', publicUrl: expect.stringMatching(/^http:\/\/localhost:3000\/dev\/uploads\/products_\w+\.png$/) });

    // The sandbox enforces what was signed: not a PNG by its bytes, too large, a tampered field.
    expect((await postForm(dev, presigned, Buffer.from('GIF89a-not-a-png'), 'image/png')).statusCode).toBe(400);
    expect((await postForm(dev, presigned, Buffer.concat([PNG, Buffer.alloc(10)]), 'image/png')).statusCode).toBe(400);
    expect((await postForm(dev, { ...presigned, fields: { ...presigned.fields, maxBytes: '99999999' } }, PNG, 'image/png')).statusCode).toBe(403);
    expect((await dev(httpEvent('GET', new URL(presigned.publicUrl).pathname))).statusCode).toBe(404);

    expect((await postForm(dev, presigned, PNG, 'image/png')).statusCode).toBe(204);
    const saved = await staff(w, 'admin.upsertProduct', { ...TOMATO, spec: '500g/份', unit: '份', grade: 'A', origin: '山东寿光', shelfLifeDays: 3, description: '沙瓤', tips: '糖拌西红柿', images: [presigned.publicUrl] });
    const catalog = await as(w, 'u-1', 'order.catalog', { communityId: 'c-xujiahui' });
    const shown = catalog.products.find((p: any) => p.id === saved.id);
    expect(shown).toMatchObject({ images: [presigned.publicUrl], spec: '500g/份', unit: '份', grade: 'A', origin: '山东寿光', shelfLifeDays: 3, tips: '糖拌西红柿' });
    const served = await dev(httpEvent('GET', new URL(shown.images[0]).pathname));
    expect(served.statusCode).toBe(200);
    expect(served.headers?.['content-type']).toBe('image/png');
    expect(served.isBase64Encoded).toBe(true);
    expect(Buffer.from(served.body!, 'base64').equals(PNG)).toBe(true);
    // More than 9 images: refused.
    expect(codeOf(await error(staff(w, 'admin.upsertProduct', { ...TOMATO, images: Array(10).fill(presigned.publicUrl) })))).toBe('VALIDATION_FAILED');
  });

  it('search finds 西红柿 by xhs, xihongshi and 西红, ranked; a hidden product is neither listed nor orderable there', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const tomato = await staff(w, 'admin.upsertProduct', TOMATO);
    const juice = await staff(w, 'admin.upsertProduct', { ...TOMATO, title: '鲜榨西红柿汁' });
    const sweet = await staff(w, 'admin.upsertProduct', { ...TOMATO, title: '小红薯' });
    // The keys were computed when the product was saved.
    expect(await w.store.get(keys.product(tomato.id))).toMatchObject({ searchPinyin: 'xihongshi', searchInitials: 'xhs' });
    const search = async (q: string, communityId = 'c-xujiahui') => (await as(w, 'u-1', 'order.catalog', { communityId, q })).products.map((p: any) => p.id);
    expect((await search('xhs'))[0]).toBe(tomato.id);
    expect((await search('xihongshi'))[0]).toBe(tomato.id);
    expect(await search('西红')).toEqual([tomato.id, juice.id]);
    // Same rank (pinyin contains): the catalogue's order (by title).
    const mine = new Set([tomato.id, juice.id, sweet.id]);
    expect((await search('hong')).filter((id: string) => mine.has(id))).toEqual([tomato.id, juice.id, sweet.id]);
    expect(await search('qqqq')).toEqual([]);

    await staff(w, 'admin.updateProduct', { ...TOMATO, id: tomato.id, hiddenIn: ['c-jingan'] });
    expect(await search('xhs', 'c-jingan')).not.toContain(tomato.id);
    expect(await search('xhs', 'c-xujiahui')).toContain(tomato.id);
    const basket = { communityId: 'c-jingan', items: [{ productId: tomato.id, qty: 1 }] };
    const quoteErr = await error(as(w, 'u-1', 'order.quote', basket));
    expect(codeOf(quoteErr)).toBe('NOT_FOUND');
    const placeErr = await error(as(w, 'u-1', 'order.place', { ...basket, requestId: 'r-hidden', contact: { name: '张三', phone: '13912345678' } }));
    expect(codeOf(placeErr)).toBe('NOT_FOUND');
    expect((await as(w, 'u-1', 'order.quote', { ...basket, communityId: 'c-xujiahui' })).amounts.goodsFen).toBe(390);
  });

  it('the category tree keeps its order and refuses cycles and missing parents; the catalogue filter includes subcategories', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const tree = [
      { id: 'veg', name: '蔬菜', order: 1 },
      { id: 'leafy', name: '叶菜', parentId: 'veg', order: 2 },
      { id: 'root', name: '根茎', parentId: 'veg', order: 1 },
      { id: 'fruit', name: '水果', order: 0 },
    ];
    expect((await staff(w, 'admin.updateCategories', { categories: tree })).map((c: any) => c.id)).toEqual(['fruit', 'veg', 'root', 'leafy']);
    const cyc = await error(staff(w, 'admin.updateCategories', { categories: [{ id: 'a', name: 'a', parentId: 'b', order: 0 }, { id: 'b', name: 'b', parentId: 'a', order: 0 }] }));
    expect(codeOf(cyc)).toBe('VALIDATION_FAILED');
    const orphan = await error(staff(w, 'admin.updateCategories', { categories: [{ id: 'a', name: 'a', parentId: 'zz', order: 0 }] }));
    expect((orphan as any).details.issues).toEqual([{ path: 'categories.0.parentId', message: 'no category zz' }]);
    expect((await staff(w, 'admin.categories', {})).map((c: any) => c.id)).toEqual(['fruit', 'veg', 'root', 'leafy']);
    const spinach = await staff(w, 'admin.upsertProduct', { ...TOMATO, title: '菠菜', category: 'leafy' });
    const ids = (await as(w, 'u-1', 'order.catalog', { communityId: 'c-xujiahui', category: 'veg' })).products.map((p: any) => p.id);
    expect(ids).toContain(spinach.id);
    expect((await as(w, 'u-1', 'order.catalog', { communityId: 'c-xujiahui', category: 'fruit' })).products.map((p: any) => p.id)).not.toContain(spinach.id);
  });
});

const productsOf = async (w: TestWorld) => (await queryAll(w.store, allOfType('product'))).length;

describe('imports', () => {

  it('one bad row applies nothing and names line, column and reason; a dry run applies nothing; a good file applies every row (through HTTP text/csv)', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const admin = createHttpHandler(mod('admin'), async () => w.deps);
    const { token } = await w.deps.sessions.issue('staff-1');
    const post = (kind: string, csv: string, dryRun?: string) =>
      admin(httpEvent('POST', `/admin/imports/${kind}`, { headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' }, body: csv, ...(dryRun ? { query: { dryRun } } : {}) })).then((r) => ({ status: r.statusCode, ...JSON.parse(r.body!) }));
    const before = await productsOf(w);
    const header = 'id,title,category,priceFen,supplierId,fresh,images,hiddenIn,shelfLifeDays';
    const bad = [header, 'imp-1,西红柿,蔬菜,390,s-veg,true,https://img.example/a.png|https://img.example/b.png,c-jingan,3', 'imp-2,黄瓜,蔬菜,abc,s-veg,true,,,', 'imp-3,,蔬菜,100,s-veg,maybe,,,'].join('\r\n');
    const refused = await post('products', bad);
    expect(refused.status).toBe(200);
    expect(refused.data.applied).toBe(0);
    expect(refused.data.errors).toEqual([
      { line: 3, column: 'priceFen', reason: expect.any(String) },
      { line: 4, column: 'fresh', reason: expect.any(String) },
      { line: 4, column: 'title', reason: expect.any(String) },
    ]);
    expect(await productsOf(w)).toBe(before);

    const good = [header, 'imp-1,西红柿,蔬菜,390,s-veg,true,https://img.example/a.png|https://img.example/b.png,c-jingan,3', 'imp-2,"黄瓜, 2根",蔬菜,290,s-veg,false,,,'].join('\n');
    const dry = await post('products', good, 'true');
    expect(dry.data).toEqual({ applied: 0, errors: [] });
    expect(await productsOf(w)).toBe(before);
    const applied = await post('products', good);
    expect(applied.data).toEqual({ applied: 2, errors: [] });
    expect(await productsOf(w)).toBe(before + 2);
    expect(await w.store.get(keys.product('imp-1'))).toMatchObject({ title: '西红柿', priceFen: 390, fresh: true, images: ['https://img.example/a.png', 'https://img.example/b.png'], hiddenIn: ['c-jingan'], shelfLifeDays: 3, searchInitials: 'xhs', commissionRate: 0.1 });
    expect(await w.store.get(keys.product('imp-2'))).toMatchObject({ title: '黄瓜, 2根', fresh: false });
    // An unknown column is named on line 1; nothing applied.
    expect((await post('products', 'title,colour\n苹果,红')).data.errors).toEqual([{ line: 1, column: 'colour', reason: 'not a field of products' }]);
  });

  it('imported products follow the same rules as admin.upsertProduct: a fresh product without a backup supplier is a bad row when requireFreshBackups is on', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, settings: { requireFreshBackups: true } });
    const header = 'id,title,category,priceFen,suppliers,fresh,status';
    const csv = [header, 'imp-ok,青菜,蔬菜,300,s-veg|s-market,true,active', 'imp-bad,菠菜,蔬菜,400,s-veg,true,active'].join('\n');
    const refused = await as(w, 'staff-1', 'admin.import', { kind: 'products', csv });
    expect(refused.applied).toBe(0);
    expect(refused.errors).toEqual([{ line: 3, column: 'suppliers', reason: expect.stringContaining('backup supplier') }]);
    const ok = await as(w, 'staff-1', 'admin.import', { kind: 'products', csv: [header, 'imp-ok,青菜,蔬菜,300,s-veg|s-market,true,active'].join('\n') });
    expect(ok).toEqual({ applied: 1, errors: [] });
    const stored = await w.store.get(keys.product('imp-ok'));
    expect(stored).toMatchObject({ suppliers: ['s-veg', 's-market'], supplierId: 's-veg', arrivalDays: 1 });
    expect(typeof stored?.rev).toBe('string');
  });

  it('communities and leaders: every row validated like the single-item commands, duplicates and taken communities named, all or nothing', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const communities = ['id,name,address,region,location.lat,location.lng,routeId', 'c-new-1,新一小区,幸福路1号,徐汇区,31.2,121.4,r-west', 'c-new-2,新二小区,幸福路2号,徐汇区,31.21,121.41,r-west'].join('\n');
    expect(await as(w, 'staff-1', 'admin.import', { kind: 'communities', csv: communities })).toEqual({ applied: 2, errors: [] });
    expect(await w.store.get(keys.community('c-new-2'))).toMatchObject({ name: '新二小区', location: { lat: 31.21, lng: 121.41 }, status: 'active' });

    const head = 'id,openid,name,phone,communityId';
    const leadersBad = [head, 'l-new-1,o-new-1,赵六,13700000001,c-new-1', 'l-new-2,o-new-2,钱七,12345,c-new-2', 'l-new-3,o-new-3,孙八,13700000003,c-xujiahui', 'l-new-4,o-new-1,周九,13700000004,c-nowhere'].join('\n');
    const refused = await as(w, 'staff-1', 'admin.import', { kind: 'leaders', csv: leadersBad });
    expect(refused.applied).toBe(0);
    expect(refused.errors.map((e: any) => [e.line, e.column])).toEqual([[3, 'phone']]);
    const refused2 = await as(w, 'staff-1', 'admin.import', { kind: 'leaders', csv: [head, 'l-new-1,o-new-1,赵六,13700000001,c-new-1', 'l-new-3,o-new-3,孙八,13700000003,c-xujiahui', 'l-new-4,o-new-1,周九,13700000004,c-nowhere'].join('\n') });
    expect(refused2.errors.map((e: any) => [e.line, e.column])).toEqual([[3, 'communityId'], [4, 'communityId'], [4, 'openid']]);
    expect(await w.store.get(keys.leader('l-new-1'))).toBeUndefined();
    expect(await w.store.get(keys.community('c-new-1'))).not.toHaveProperty('leaderId');

    const good = [head, 'l-new-1,o-new-1,赵六,13700000001,c-new-1', 'l-new-2,o-new-2,钱七,13700000002,c-new-2'].join('\n');
    expect(await as(w, 'staff-1', 'admin.import', { kind: 'leaders', csv: good })).toEqual({ applied: 2, errors: [] });
    expect(await w.store.get(keys.community('c-new-2'))).toMatchObject({ leaderId: 'l-new-2', leaderName: '钱七' });
    expect(await w.store.get(keys.leader('l-new-1'))).toMatchObject({ phoneTail: '0001', status: 'active' });
    expect(await w.store.get(keys.leader('l-new-1'))).not.toHaveProperty('phone');
    // More rows than one transaction holds: refused naming the first line over.
    const many = [head, ...Array.from({ length: 34 }, (_, i) => `l-m-${i},o-m-${i},某某,137000001${String(i).padStart(2, '0')},c-new-1`)].join('\n');
    const tooMany = await as(w, 'staff-1', 'admin.import', { kind: 'leaders', csv: many });
    expect(tooMany).toMatchObject({ applied: 0, errors: [{ line: 35, column: '', reason: expect.stringContaining('at most 33') }] });
  });
});

describe('on the CloudBase document database (double)', () => {
  const doubles: CloudbaseDouble[] = [];
  afterAll(() => doubles.forEach((d) => d.uninstall()));

  it('search, hidden products and an all-or-nothing import of 99 products in one transaction behave as on DynamoDB', async () => {
    const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    doubles.push(double);
    const store = createCloudbaseItemStore({ db: double.db, sleep: async () => undefined });
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store });
    const tomato = await staff(w, 'admin.upsertProduct', { ...TOMATO, hiddenIn: ['c-jingan'] });
    expect((await as(w, 'u-1', 'order.catalog', { communityId: 'c-xujiahui', q: 'xhs' })).products[0].id).toBe(tomato.id);
    expect((await as(w, 'u-1', 'order.catalog', { communityId: 'c-jingan', q: 'xhs' })).products.map((p: any) => p.id)).not.toContain(tomato.id);
    const header = 'id,title,category,priceFen,supplierId,fresh';
    const rows = Array.from({ length: 99 }, (_, i) => `cb-${i},商品${i},蔬菜,${100 + i},s-veg,true`);
    const before = await productsOf(w);
    const bad = await as(w, 'staff-1', 'admin.import', { kind: 'products', csv: [header, ...rows.slice(0, 98), 'cb-98,坏行,蔬菜,0,s-veg,true'].join('\n') });
    expect(bad).toMatchObject({ applied: 0, errors: [{ line: 100, column: 'priceFen' }] });
    expect(await productsOf(w)).toBe(before);
    expect(await as(w, 'staff-1', 'admin.import', { kind: 'products', csv: [header, ...rows].join('\n') })).toEqual({ applied: 99, errors: [] });
    expect(await productsOf(w)).toBe(before + 99);
  });
});
