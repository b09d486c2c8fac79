import { describe, expect, it } from 'vitest';
import { nearestM, servesCustomer, servesRegion } from './service-area.ts';

const XJH = { location: { lat: 31.1955, lng: 121.4372 } };
const LJZ = { location: { lat: 31.2397, lng: 121.4998 } };

describe('service area', () => {
  it('serves a region named by a served district (name or code); an empty list serves everything', () => {
    const area = { districts: [{ name: '徐汇区', code: '310104' }, { name: '静安区' }], radiusM: 5000 };
    expect(servesRegion(area, '徐汇区')).toBe(true);
    expect(servesRegion(area, '310104')).toBe(true);
    expect(servesRegion(area, '静安区')).toBe(true);
    expect(servesRegion(area, '浦东新区')).toBe(false);
    expect(servesRegion({ districts: [], radiusM: 5000 }, '浦东新区')).toBe(true);
  });

  it('serves a customer when a served point lies within the radius (inclusive), and measures the nearest', () => {
    const origin = { lat: 31.1955, lng: 121.4372 + 0.01 }; // ~952 m east of 徐家汇
    const d = nearestM(origin, [LJZ, XJH])!;
    expect(d).toBeGreaterThan(900);
    expect(d).toBeLessThan(1000);
    expect(servesCustomer({ districts: [], radiusM: d }, origin, [XJH])).toBe(true);
    expect(servesCustomer({ districts: [], radiusM: d - 1 }, origin, [XJH])).toBe(false);
    expect(nearestM(origin, [])).toBeUndefined();
    expect(servesCustomer({ districts: [], radiusM: 5000 }, origin, [])).toBe(false);
  });
});
