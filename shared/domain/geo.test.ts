import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M, haversineM, nearestFirst } from './geo.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// Real places in Shanghai (decimal degrees, rounded to ~100 m).
const HONGQIAO_STATION = { lat: 31.194, lng: 121.32 };
const XUJIAHUI = { lat: 31.195, lng: 121.437 };
const PEOPLES_SQUARE = { lat: 31.232, lng: 121.474 };
const LUJIAZUI = { lat: 31.24, lng: 121.499 };

const coord = fc.record({
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
});

describe('haversineM', () => {
  it('measures one degree along a meridian as πR/180 metres', () => {
    expect(haversineM({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBe(Math.round((Math.PI * EARTH_RADIUS_M) / 180));
    expect(haversineM({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBe(111_195);
  });

  it('matches a hand computation across Shanghai', () => {
    // Equirectangular by hand: Δlng 0.117° × cos 31.19° × 111 195 m ≈ 11 130 m, Δlat 0.001° ≈ 111 m.
    expect(haversineM(HONGQIAO_STATION, XUJIAHUI)).toBeGreaterThan(11_100);
    expect(haversineM(HONGQIAO_STATION, XUJIAHUI)).toBeLessThan(11_160);
    // People's Square to Lujiazui across the Huangpu: about 2.5 km.
    expect(haversineM(PEOPLES_SQUARE, LUJIAZUI)).toBe(2538);
  });

  it('is a whole number, zero for one point, symmetric, and at most half the circumference', () => {
    fc.assert(
      fc.property(coord, coord, (a, b) => {
        const d = haversineM(a, b);
        expect(Number.isInteger(d)).toBe(true);
        expect(haversineM(a, a)).toBe(0);
        expect(haversineM(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.round(Math.PI * EARTH_RADIUS_M));
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('refuses coordinates off the globe', () => {
    expect(() => haversineM({ lat: 91, lng: 0 }, XUJIAHUI)).toThrow(RangeError);
    expect(() => haversineM(XUJIAHUI, { lat: 0, lng: Number.NaN })).toThrow(RangeError);
  });
});

describe('nearestFirst', () => {
  it('orders pickup points by distance and reports it', () => {
    const points = [
      { id: 'ljz', location: LUJIAZUI },
      { id: 'xjh', location: XUJIAHUI },
      { id: 'rmgc', location: PEOPLES_SQUARE },
    ];

    const sorted = nearestFirst(HONGQIAO_STATION, points);

    expect(sorted.map((p) => p.id)).toEqual(['xjh', 'rmgc', 'ljz']);
    expect(sorted[0]!.distanceM).toBe(haversineM(HONGQIAO_STATION, XUJIAHUI));
    expect(points.map((p) => p.id)).toEqual(['ljz', 'xjh', 'rmgc']); // input untouched
  });

  it('breaks ties by id whatever the input order', () => {
    const same = [
      { id: 'b', location: XUJIAHUI },
      { id: 'c', location: XUJIAHUI },
      { id: 'a', location: XUJIAHUI },
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(same, { minLength: 3, maxLength: 3 }), (shuffled) => {
        expect(nearestFirst(PEOPLES_SQUARE, shuffled).map((p) => p.id)).toEqual(['a', 'b', 'c']);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
