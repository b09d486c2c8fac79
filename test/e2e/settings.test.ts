import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/** Runs the cutoff job now (as the heartbeat does) and waits for a whole run of it to end DONE. */
async function runCutoff(staff: string): Promise<void> {
  const run = await runJobAndWait(baseUrl(), staff, 'cutoff');
  expect(run.status, JSON.stringify(run)).toBe('DONE');
}

/**
 * The merchant settings over HTTP on the local stack (issue 12: "a changed cutoff time in
 * settings takes effect at the next heartbeat without redeploy"): staff move the cutoff to
 * 20:00 with PUT /admin/settings; the catalog shows it; the cutoff job (what the 5-minute
 * heartbeat runs) leaves the wave open at 19:55 and closes it at 20:05. The settings are put
 * back afterwards, so the other files see the defaults again.
 */
const X = '2027-03-10'; // after every date the other e2e files walk
const contact = { name: '李四', phone: '13712345678' };

describe('merchant settings over HTTP: a changed cutoff time at the next heartbeat', () => {
  let staff: string;
  let customer: string;
  let original: Record<string, unknown>;

  beforeAll(async () => {
    staff = await login('demo-staff');
    customer = await login(uniqueOpenid('settings'));
  });
  afterAll(async () => {
    // Put the cutoff back (whatever version the document is at now) and the clock.
    const now = await api('GET', '/admin/settings', { token: staff });
    if (now.status === 200 && original) await api('PUT', '/admin/settings', { token: staff, body: { ...original, version: now.body.data.version } });
    await resetClock(staff);
  });

  it('GET answers the whole document with its version; customers may not read it', async () => {
    const doc = await api('GET', '/admin/settings', { token: staff });
    expect(doc.status, doc.text).toBe(200);
    expect(doc.body.data).toMatchObject({ version: expect.any(Number), cutoffTime: '22:00', arrivalTime: '16:00', settlement: { settleHour: 2 } });
    original = doc.body.data;
    expect((await api('GET', '/admin/settings', { token: customer })).status).toBe(403);
  });

  it('PUT validates (400 naming the field), refuses a stale version (409), stores the next version with its history', async () => {
    const bad = await api('PUT', '/admin/settings', { token: staff, body: { ...original, cutoffTime: '20:61' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.issues.map((i: any) => i.path)).toContain('cutoffTime');

    const saved = await api('PUT', '/admin/settings', { token: staff, body: { ...original, cutoffTime: '20:00' } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.data).toMatchObject({ version: (original.version as number) + 1, cutoffTime: '20:00' });

    const stale = await api('PUT', '/admin/settings', { token: staff, body: { ...original, cutoffTime: '21:00' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('INVALID_STATE');

    const history = await api('GET', '/admin/settings/history', { token: staff });
    expect(history.body.data[0]).toMatchObject({ version: saved.body.data.version, by: 'demo-staff', changes: [{ path: 'cutoffTime', before: '22:00', after: '20:00' }] });
  });

  it('19:55: the catalog shows the 20:00 cutoff and the cutoff job leaves the wave open; 20:05: it closes it', async () => {
    await setClock(staff, `${X}T19:50:00+08:00`);
    const catalog = await api('GET', '/catalog?communityId=c-jingan', { token: customer });
    expect(catalog.body.data.wave).toMatchObject({ date: X, cutoffAt: `${X}T20:00:00+08:00` });
    const placed = await api('POST', '/orders', {
      token: customer,
      body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: `settings-${Date.now().toString(36)}`, contact },
    });
    expect(placed.status, placed.text).toBe(201);
    const order = placed.body.data.order;
    expect(order.waveDate).toBe(X);
    expect((await api('POST', `/dev/pay/${order.id}`, { token: customer })).body.data.order.status).toBe('PAID');

    await setClock(staff, `${X}T19:55:00+08:00`);
    await runCutoff(staff);
    expect((await api('GET', `/admin/waves/${X}`, { token: staff })).body.data.status).toBe('OPEN');
    expect((await api('GET', `/orders/${order.id}`, { token: customer })).body.data.status).toBe('PAID');

    await setClock(staff, `${X}T20:05:00+08:00`);
    await runCutoff(staff);
    let wave: any;
    for (let i = 0; i < 60 && wave?.status !== 'CLOSED'; i++) {
      if (i) await new Promise((r) => setTimeout(r, 500));
      wave = (await api('GET', `/admin/waves/${X}`, { token: staff })).body.data;
    }
    expect(wave).toMatchObject({ status: 'CLOSED', cutoffAt: `${X}T20:00:00+08:00` });
    expect((await api('GET', `/orders/${order.id}`, { token: customer })).body.data.status).toBe('CONFIRMED');
    const next = await api('GET', '/catalog?communityId=c-jingan', { token: customer });
    expect(next.body.data.wave.date).toBe('2027-03-11');
  });
});
