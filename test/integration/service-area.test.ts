import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 item 7 (DESIGN.md §13, seed 一.1 区域): the merchant serves a list of districts; a
 * community is served when its region names one; a customer with no served community within
 * `radiusM` gets 409 NOT_SERVED with the nearest served point's distance. Through dispatch on
 * DynamoDB Local, with the demo's four Shanghai communities.
 */
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
const JINGAN = { lat: 31.2233, lng: 121.4458 }; // 静安新城
const PUDONG = { lat: 31.2397, lng: 121.4998 }; // 陆家嘴滨江苑
const SUZHOU = { lat: 31.2989, lng: 120.5853 }; // ~85 km west

describe('service area', () => {
  it('hides communities outside the served districts and answers NOT_SERVED { nearestM } to a customer with none within the radius', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const ids = async (input: Record<string, unknown>) => (await as(w, 'u-1', 'order.communities', input)).map((c: any) => c.id).sort();

    // Nothing stored: everything served, default radius 5000 m.
    expect(await as(w, 'staff-1', 'admin.serviceArea', {})).toEqual({ districts: [], radiusM: 5000 });
    expect(await ids({})).toEqual(['c-jingan', 'c-lujiazui', 'c-wujiaochang', 'c-xujiahui']);
    const far = await error(as(w, 'u-1', 'order.communities', SUZHOU));
    expect(far).toMatchObject({ code: 'NOT_SERVED', status: 409 });
    expect(far.details.nearestM).toBeGreaterThan(80_000);

    // Bad input changes nothing; customers and finance cannot edit it.
    expect(codeOf(await error(as(w, 'staff-1', 'admin.updateServiceArea', { districts: [{ name: '' }] })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'staff-1', 'admin.updateServiceArea', { districts: [{ name: '徐汇区', code: '31x' }] })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'staff-1', 'admin.updateServiceArea', { districts: [], radiusM: 0 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'u-1', 'admin.updateServiceArea', { districts: [] })))).toBe('FORBIDDEN');
    expect((await as(w, 'staff-1', 'admin.serviceArea', {})).districts).toEqual([]);

    // Serve 徐汇区 and 静安区 only.
    const saved = await as(w, 'staff-1', 'admin.updateServiceArea', { districts: [{ code: '310104', name: '徐汇区' }, { name: '静安区' }] });
    expect(saved).toMatchObject({ districts: [{ code: '310104', name: '徐汇区' }, { name: '静安区' }], radiusM: 5000 });
    expect(await as(w, 'staff-1', 'admin.serviceArea', {})).toMatchObject({ districts: saved.districts, radiusM: 5000 });
    expect(await ids({})).toEqual(['c-jingan', 'c-xujiahui']);
    expect(await ids(JINGAN)).toEqual(['c-jingan', 'c-xujiahui']);
    // 陆家嘴 is ~5.4 km from 静安新城 and unserved itself: inside 5 km of nothing served.
    const out = await error(as(w, 'u-1', 'order.communities', { lat: PUDONG.lat, lng: PUDONG.lng + 0.02 }));
    expect(out).toMatchObject({ code: 'NOT_SERVED', details: { radiusM: 5000 } });
    expect(out.details.nearestM).toBeGreaterThan(5000);

    // A wider radius serves the same customer, with only the served communities.
    await as(w, 'staff-1', 'admin.updateServiceArea', { districts: saved.districts, radiusM: 10_000 });
    expect(await ids({ lat: PUDONG.lat, lng: PUDONG.lng + 0.02 })).toEqual(['c-jingan', 'c-xujiahui']);

    // An empty list serves everything again.
    await as(w, 'staff-1', 'admin.updateServiceArea', { districts: [] });
    expect(await ids(PUDONG)).toEqual(['c-jingan', 'c-lujiazui', 'c-wujiaochang', 'c-xujiahui']);
  });
});
