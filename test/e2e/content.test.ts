import { beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, uniqueOpenid } from '../support/stack.ts';

/**
 * Issue 18 items 4 and 7 over HTTP on the local stack: an image uploaded with the presigned
 * form to the stack's own folder appears on the product and is served back; catalogue search
 * by initials, full pinyin and Chinese, ranked; a product hidden in a community; CSV imports
 * (text/csv) that apply nothing when one row is bad. The clock is not moved.
 */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const run = Date.now().toString(36);
const product = (id: string, title: string, extra: Record<string, unknown> = {}) => ({ id, title, category: '蔬菜', priceFen: 390, supplierId: 's-farm', fresh: true, ...extra });

describe('product content, uploads, search and imports over HTTP', () => {
  let staff: string;
  let customer: string;
  beforeAll(async () => {
    staff = await login('demo-staff');
    customer = await login(uniqueOpenid('content'));
  });

  it('an uploaded image appears on the product and is served back at its public URL', async () => {
    const tooBig = await api('POST', '/admin/uploads', { token: staff, body: { contentType: 'image/png', size: 6 * 1024 * 1024 } });
    expect(tooBig.status, tooBig.text).toBe(400);
    expect(tooBig.body.error.code).toBe('VALIDATION_FAILED');
    expect((await api('POST', '/admin/uploads', { token: staff, body: { contentType: 'text/html', size: 10 } })).status).toBe(400);

    const signed = await api('POST', '/admin/uploads', { token: staff, body: { contentType: 'image/png', size: PNG.length } });
    expect(signed.status, signed.text).toBe(200);
    const { method, url, fields, publicUrl } = signed.body.data;
    expect(method).toBe('POST');
    expect(url).toBe(`${baseUrl()}/dev/uploads`);
    const send = (file: Uint8Array, f = fields) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(f as Record<string, string>)) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'tomato.png');
      return fetch(url, { method: 'POST', body: form });
    };
    // Not a PNG by its bytes, or a field changed after signing: refused, nothing stored.
    expect((await send(Buffer.from('<html>not an image</html>'))).status).toBe(400);
    expect((await send(PNG, { ...fields, 'Content-Type': 'image/gif' })).status).toBe(403);
    expect((await fetch(publicUrl)).status).toBe(404);
    expect((await send(PNG)).status).toBe(204);

    const saved = await api('POST', '/admin/products', { token: staff, body: product(`p-img-${run}`, `有机番茄 ${run}`, { images: [publicUrl], spec: '500g/盒', origin: '山东寿光', tips: '凉拌' }) });
    expect(saved.status, saved.text).toBe(200);
    const catalog = await api('GET', '/catalog?communityId=c-xujiahui', { token: customer });
    const shown = catalog.body.data.products.find((p: any) => p.id === `p-img-${run}`);
    expect(shown).toMatchObject({ images: [publicUrl], spec: '500g/盒', origin: '山东寿光', tips: '凉拌' });
    const image = await fetch(shown.images[0]);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('search finds 西红柿 by xhs, xihongshi and 西红, ranked; hidden in a community: not listed, not orderable there', async () => {
    const id = `p-xhs-${run}`;
    const made = await api('POST', '/admin/products', { token: staff, body: product(id, '西红柿', { hiddenIn: ['c-jingan'] }) });
    expect(made.status, made.text).toBe(200);
    const juice = await api('POST', '/admin/products', { token: staff, body: product(`p-xhs-juice-${run}`, `鲜榨西红柿汁 ${run}`) });
    expect(juice.status, juice.text).toBe(200);
    const search = async (q: string, communityId = 'c-xujiahui') => {
      const r = await api('GET', `/catalog?communityId=${communityId}&q=${encodeURIComponent(q)}`, { token: customer });
      expect(r.status, r.text).toBe(200);
      return r.body.data.products.map((p: any) => p.id) as string[];
    };
    for (const q of ['xhs', 'xihongshi', '西红', 'XHS']) expect((await search(q))[0], q).toBe(id);
    expect((await search('西红')).slice(0, 2)).toEqual([id, `p-xhs-juice-${run}`]);
    expect(await search('xhs', 'c-jingan')).not.toContain(id);
    const quote = await api('POST', '/orders/quote', { token: customer, body: { communityId: 'c-jingan', items: [{ productId: id, qty: 1 }] } });
    expect(quote.status, quote.text).toBe(404);
    expect(quote.body.error.code).toBe('NOT_FOUND');
    const here = await api('POST', '/orders/quote', { token: customer, body: { communityId: 'c-xujiahui', items: [{ productId: id, qty: 1 }] } });
    expect(here.status, here.text).toBe(200);
  });

  it('an import with one bad row applies nothing and names the row; a dry run applies nothing; a good import applies all', async () => {
    const count = async () => (await api('GET', '/admin/products', { token: staff })).body.data.length as number;
    const before = await count();
    const post = (csv: string, query = '') => api('POST', `/admin/imports/products${query}`, { token: staff, raw: csv, headers: { 'content-type': 'text/csv' } });
    const header = 'id,title,category,priceFen,supplierId,fresh,images';
    const bad = [header, `imp-a-${run},山药,蔬菜,590,s-farm,true,`, `imp-b-${run},莲藕,蔬菜,-5,s-farm,true,`, `imp-c-${run},芋头,蔬菜,490,s-farm,true,https://img.example/1.png|https://img.example/2.png`].join('\r\n');
    const refused = await post(bad);
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body.data).toEqual({ applied: 0, errors: [{ line: 3, column: 'priceFen', reason: expect.any(String) }] });
    expect(await count()).toBe(before);
    const good = bad.replace(',-5,', ',690,');
    expect((await post(good, '?dryRun=true')).body.data).toEqual({ applied: 0, errors: [] });
    expect(await count()).toBe(before);
    const applied = await post(good);
    expect(applied.body.data, applied.text).toEqual({ applied: 3, errors: [] });
    expect(await count()).toBe(before + 3);
    const all = (await api('GET', '/admin/products', { token: staff })).body.data as any[];
    expect(all.find((p) => p.id === `imp-c-${run}`)).toMatchObject({ title: '芋头', priceFen: 490, images: ['https://img.example/1.png', 'https://img.example/2.png'] });
  });
});
