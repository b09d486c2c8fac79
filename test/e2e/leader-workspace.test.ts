import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 17 items 1 and 4 over HTTP on the local stack: a customer applies, staff approve, the new
 * leader signs in, sees the training, cannot redeem before reading it (TRAINING), reads it and
 * redeems; an announcement to one region reaches only its leaders, once; the daily materials list
 * the wave's products with the staff copy and the leader's share card.
 */
const D = '2027-11-16'; // this file's dates: 2027-11-15 … 2027-11-30
const D1 = '2027-11-17';
const suffix = Date.now().toString(36);
const REGION = `闵行区${suffix}`;

describe('leader workspace over HTTP', () => {
  let staff: string;
  let applicant: string;
  let buyer: string;
  let xujiahui: string;
  let jingan: string;
  const applicantOpenid = uniqueOpenid('lw-apply');
  let communityId = '';
  let training: any;
  let notice: any;

  beforeAll(async () => {
    staff = await login('demo-staff');
    applicant = await login(applicantOpenid);
    buyer = await login(uniqueOpenid('lw-buyer'));
    xujiahui = await login('demo-leader-xujiahui');
    jingan = await login('demo-leader-jingan');
    await setClock(staff, `${D}T09:00:00+08:00`);
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('apply → the review queue → approve: the applicant now leads a new community; a second approval is ALREADY_DONE', async () => {
    const body = {
      name: '钱团长',
      pointName: `莘庄小店${suffix}`,
      address: '上海市闵行区莘庄路8号',
      location: { lat: 31.11, lng: 121.38 },
      region: REGION,
      hours: { opens: '08:00', closes: '21:00' },
      capacity: 60,
      phone: '13912340099',
      photos: ['https://img.example.com/shop.jpg'],
    };
    const applied = await api('POST', '/leader/applications', { token: applicant, body });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.data).toMatchObject({ status: 'PENDING', phoneTail: '0099' });
    expect(applied.text).not.toContain('13912340099');
    const twice = await api('POST', '/leader/applications', { token: applicant, body });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'INVALID_STATE', details: { reason: 'OPEN_APPLICATION' } });
    // The applicant is no leader yet.
    expect((await api('GET', '/leader/announcements', { token: applicant })).status).toBe(403);

    const queue = await api('GET', '/admin/leader-applications?status=PENDING', { token: staff });
    expect(queue.status, queue.text).toBe(200);
    expect(queue.body.data.map((a: any) => a.id)).toContain(applied.body.data.id);
    const decide = () => api('POST', `/admin/leader-applications/${applied.body.data.id}/decide`, { token: staff, body: { decision: 'approve', routeId: 'r-west' } });
    const approved = await decide();
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'APPROVED' });
    communityId = approved.body.data.communityId;
    expect((await decide()).body.error.code).toBe('ALREADY_DONE');
    const leaders = (await api('GET', '/admin/leaders', { token: staff })).body.data.filter((l: any) => l.openid === applicantOpenid);
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).toMatchObject({ communityId, status: 'active' });
  });

  it('a training to the new leader’s region and a notice to 徐汇区: each reaches only its leaders, once, even when published twice', async () => {
    // The leaders accept the announcement template (one-time quota) so the pushes really go out.
    for (const token of [applicant, xujiahui, jingan]) {
      const templates = (await api('GET', '/notify/templates', { token })).body.data;
      const t = templates.find((x: any) => x.key === 'announcement');
      expect(t, JSON.stringify(templates)).toBeTruthy();
      const r = await api('POST', '/notify/subscriptions', { token, body: { results: { [t.templateId]: 'accept' } } });
      expect(r.status, r.text).toBe(200);
    }
    const publish = (body: Record<string, unknown>) => api('POST', '/admin/announcements', { token: staff, body });
    const t = await publish({ requestId: `lw-train-${suffix}`, title: '新团长培训：核销', body: '核销前请核对取货码与姓名', kind: 'training', audience: { regions: [REGION] } });
    expect(t.status, t.text).toBe(200);
    training = t.body.data;
    expect(training.pushed).toBe(1);
    const n = { requestId: `lw-notice-${suffix}`, title: '徐汇区本周调整', body: '周六照常到货', audience: { regions: ['徐汇区'] } };
    notice = (await publish(n)).body.data;
    expect(notice.pushed).toBe(1);
    expect((await publish(n)).body.data).toMatchObject({ id: notice.id, pushed: 1 });
    for (let i = 0; i < 2; i++) expect((await runJobAndWait(baseUrl(), staff, 'notify')).status).toBe('DONE');

    const sent = (await api('GET', '/dev/outbox', { token: staff })).body.data.filter((m: any) => JSON.stringify(m.data).includes('徐汇区本周调整') || JSON.stringify(m.data).includes('新团长培训'));
    expect(sent.filter((m: any) => JSON.stringify(m.data).includes('徐汇区本周调整')).map((m: any) => m.touser)).toEqual(['demo-leader-xujiahui']);
    expect(sent.filter((m: any) => JSON.stringify(m.data).includes('新团长培训')).map((m: any) => m.touser)).toEqual([applicantOpenid]);

    expect((await api('GET', '/leader/announcements', { token: jingan })).body.data.map((a: any) => a.id)).not.toContain(notice.id);
    expect((await api('GET', '/leader/announcements', { token: xujiahui })).body.data.map((a: any) => a.id)).toContain(notice.id);
    const mine = await api('GET', '/leader/announcements', { token: applicant });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.data).toEqual([expect.objectContaining({ id: training.id, kind: 'training', title: '新团长培训：核销' })]);
    expect(mine.body.data[0].readAt).toBeUndefined();
  });

  it('the daily materials list the wave’s products with the staff copy, the times and the leader’s share card', async () => {
    const put = await api('PUT', '/admin/products/p-rice/material', { token: staff, body: { text: '东北新米，软糯香甜', images: ['https://img.example.com/rice.jpg'] } });
    expect(put.status, put.text).toBe(200);
    const m = await api('GET', `/leader/materials?date=${D}`, { token: applicant });
    expect(m.status, m.text).toBe(200);
    expect(m.body.data).toMatchObject({ date: D, cutoffAt: `${D}T22:00:00+08:00`, arrivalAt: `${D1}T16:00:00+08:00` });
    expect(m.body.data.products.find((p: any) => p.productId === 'p-rice')).toMatchObject({ text: '东北新米，软糯香甜', images: ['https://img.example.com/rice.jpg'], priceFen: expect.any(Number) });
    expect(m.body.data.post).toContain('东北新米，软糯香甜');
    expect(m.body.data.post).toContain(`莘庄小店${suffix}`);
    // The leader's share card: a PNG the stack serves, whose scene opens this community and names its leader.
    const card = m.body.data.shareCard;
    expect(card).toEqual({ scene: expect.any(String), imageUrl: expect.any(String) });
    const image = await fetch(card.imageUrl);
    expect(image.status).toBe(200);
    expect([...new Uint8Array(await image.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const landing = await api('GET', `/share/resolve?scene=${card.scene}`, { token: buyer });
    expect(landing.status, landing.text).toBe(200);
    expect(landing.body.data).toMatchObject({ communityId, leaderId: expect.stringMatching(/^l-/) });
    expect((await api('GET', `/leader/materials?date=${D}`, { token: buyer })).status).toBe(403);
  });

  it('the new leader cannot redeem before reading the training (TRAINING); after reading, the pickup is redeemed', async () => {
    const placed = await api('POST', '/orders', { token: buyer, body: { communityId, items: [{ productId: 'p-rice', qty: 1 }], requestId: `lw-${suffix}`, contact: { name: '孙小美', phone: '13912345670' } } });
    expect(placed.status, placed.text).toBe(201);
    const orderId = placed.body.data.order.id;
    expect((await api('POST', `/dev/pay/${orderId}`, { token: buyer })).body.data.order.status).toBe('PAID');
    await setClock(staff, `${D}T22:00:01+08:00`);
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');
    await setClock(staff, `${D1}T16:30:00+08:00`);
    const arrival = await api('POST', '/verify/arrival', { token: applicant, body: { communityId, waveDate: D } });
    expect(arrival.status, arrival.text).toBe(200);
    const code = (await api('GET', `/orders/${orderId}`, { token: buyer })).body.data.pickupCode;
    expect(code).toMatch(/^\d{8}$/);

    const refused = await api('POST', '/verify/redeem', { token: applicant, body: { communityId, code } });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_STATE', details: { reason: 'TRAINING', unread: [{ id: training.id }] } });
    expect((await api('GET', `/orders/${orderId}`, { token: buyer })).body.data.status).toBe('ARRIVED');

    const read = await api('POST', `/leader/announcements/${training.id}/read`, { token: applicant });
    expect(read.status, read.text).toBe(200);
    expect(read.body.data.readAt).toBe(`${D1}T16:30:00+08:00`);
    expect((await api('GET', '/leader/announcements', { token: applicant })).body.data[0].readAt).toBe(`${D1}T16:30:00+08:00`);
    const redeemed = await api('POST', '/verify/redeem', { token: applicant, body: { communityId, code } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.body.data.status).toBe('PICKED_UP');
  });
});
