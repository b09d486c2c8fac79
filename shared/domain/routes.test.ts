import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineM } from './geo.ts';
import { planRoutes, type RouteCommunity } from './routes.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const WAREHOUSE = { lat: 31.194, lng: 121.32 }; // near Hongqiao station

const community = (id: string, name: string, routeId: string, lat: number, lng: number): RouteCommunity => ({
  id,
  name,
  routeId,
  location: { lat, lng },
});

// Route R-A runs east through the city centre; R-B stays in the south-west suburbs.
const SHANGHAI = [
  community('c-wjc', '五角场', 'R-A', 31.299, 121.514),
  community('c-ljz', '陆家嘴', 'R-A', 31.24, 121.499),
  community('c-rmgc', '人民广场', 'R-A', 31.232, 121.474),
  community('c-jas', '静安寺', 'R-A', 31.223, 121.445),
  community('c-xjh', '徐家汇', 'R-A', 31.195, 121.437),
  community('c-bxj', '北新泾', 'R-B', 31.218, 121.37),
  community('c-jt', '九亭', 'R-B', 31.135, 121.32),
  community('c-qb', '七宝', 'R-B', 31.158, 121.35),
];

describe('planRoutes', () => {
  it('orders the stops of each route by nearest neighbour from the warehouse', () => {
    const routes = planRoutes(WAREHOUSE, SHANGHAI);

    expect(routes.map((r) => r.routeId)).toEqual(['R-A', 'R-B']);
    // Hand-checked: 徐家汇 11.1 km from the warehouse beats 静安寺 12.3 km; then each hop is
    // the shortest left: 静安寺 3.2 km, 人民广场 2.9 km, 陆家嘴 2.5 km, 五角场 6.7 km.
    expect(routes[0]!.stops).toEqual([
      { seq: 1, communityId: 'c-xjh', name: '徐家汇', legM: 11_129 },
      { seq: 2, communityId: 'c-jas', name: '静安寺', legM: 3205 },
      { seq: 3, communityId: 'c-rmgc', name: '人民广场', legM: 2933 },
      { seq: 4, communityId: 'c-ljz', name: '陆家嘴', legM: 2538 },
      { seq: 5, communityId: 'c-wjc', name: '五角场', legM: 6714 },
    ]);
    // Nearest neighbour, not distance from the warehouse: 北新泾 (5.5 km from the warehouse)
    // is nearer than 九亭 (6.6 km), but from 七宝 九亭 is the next hop (3.8 km vs 6.9 km).
    expect(routes[1]!.stops.map((s) => s.name)).toEqual(['七宝', '九亭', '北新泾']);
    expect(haversineM(WAREHOUSE, SHANGHAI[5]!.location)).toBeLessThan(haversineM(WAREHOUSE, SHANGHAI[6]!.location));
  });

  it('totals the legs from the warehouse to the last stop', () => {
    for (const route of planRoutes(WAREHOUSE, SHANGHAI)) {
      expect(route.totalM).toBe(route.stops.reduce((a, s) => a + s.legM, 0));
    }
    expect(planRoutes(WAREHOUSE, SHANGHAI)[0]!.totalM).toBe(26_519);
  });

  it('gives the same plan whatever the input order', () => {
    const expected = planRoutes(WAREHOUSE, SHANGHAI);
    fc.assert(
      fc.property(fc.shuffledSubarray(SHANGHAI, { minLength: SHANGHAI.length }), (shuffled) => {
        expect(planRoutes(WAREHOUSE, shuffled)).toEqual(expected);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('breaks distance ties by community id', () => {
    const here = { lat: 31.2, lng: 121.4 };
    const twins = [
      community('c-2', 'Two', 'R', here.lat, here.lng),
      community('c-1', 'One', 'R', here.lat, here.lng),
      community('c-3', 'Three', 'R', here.lat, here.lng),
    ];

    const [route] = planRoutes(WAREHOUSE, twins);

    expect(route!.stops.map((s) => s.communityId)).toEqual(['c-1', 'c-2', 'c-3']);
    expect(route!.stops.map((s) => s.legM)).toEqual([haversineM(WAREHOUSE, here), 0, 0]);
  });

  it('plans nothing for no communities and refuses a community listed twice', () => {
    expect(planRoutes(WAREHOUSE, [])).toEqual([]);
    expect(() => planRoutes(WAREHOUSE, [SHANGHAI[0]!, SHANGHAI[0]!])).toThrow(/listed twice/);
  });
});
