import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, uniqueOpenid } from '../support/stack.ts';

/**
 * The service area over HTTP on the local stack (issue 17 acceptance: "a customer outside every
 * served district gets NOT_SERVED"). Uses today's clock and touches no wave; the area is put
 * back (empty: everything served) at the end so the later files see every community.
 */
describe('service area over HTTP', () => {
  let staff: string;
  let customer: string;

  beforeAll(async () => {
    staff = await login('demo-staff');
    customer = await login(uniqueOpenid('service-area'));
  });
  afterAll(async () => {
    await api('PUT', '/admin/service-area', { token: staff, body: { districts: [] } });
  });

  it('a customer outside every served district gets 409 NOT_SERVED with the nearest served point; served communities only', async () => {
    const put = await api('PUT', '/admin/service-area', { token: staff, body: { districts: [{ code: '310104', name: '徐汇区' }] } });
    expect(put.status, put.text).toBe(200);
    // Lujiazui (浦东新区) is ~6 km from 徐家汇花园, the only served point.
    const outside = await api('GET', '/communities?lat=31.2397&lng=121.4998', { token: customer });
    expect(outside.status, outside.text).toBe(409);
    expect(outside.body.error.code).toBe('NOT_SERVED');
    expect(outside.body.error.details.nearestM).toBeGreaterThan(5000);
    const inside = await api('GET', '/communities?lat=31.1955&lng=121.4372', { token: customer });
    expect(inside.status, inside.text).toBe(200);
    expect(inside.body.data.map((c: { id: string }) => c.id)).toContain('c-xujiahui');
    expect(new Set(inside.body.data.map((c: { region: string }) => c.region))).toEqual(new Set(['徐汇区']));
  });
});
