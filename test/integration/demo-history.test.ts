import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { dashboardCommand, waveCommand } from '#app/cutoff/commands';
import { cutoffKeys } from '#app/cutoff/keys';
import { keys } from '#app/keys';
import { orderFromItem, type Order } from '#app/orders/model';
import { queryAll } from '#ports/item-store';
import { seedDemoHistory } from '../../scripts/lib/demo-history.ts';
import { DEMO } from '../../scripts/lib/demo-data.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { withEffectiveStatus } from '#app/orders/effective';

/**
 * Issue 15: `npm start` (not the E2E stacks) loads a demo past — the last five waves ending
 * with the latest one cut off (yesterday's before the cutoff time), placed and paid through the real use cases and closed by the cutoff — so the
 * console's dashboard has figures on a fresh clone.
 */
const TODAY = '2026-11-24';
const DAYS = ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'];
const asStaff = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: Record<string, unknown>) =>
  dispatch(command, input, { kind: 'openid', openid: 'staff-1' }, w.deps) as Promise<any>;

async function ordersOf(w: TestWorld, date: string): Promise<Order[]> {
  const out: Order[] = [];
  for (const c of DEMO.communities) out.push(...(await queryAll(w.store, { ...keys.ordersOfWave(c.id, date), consistent: true })).map(orderFromItem));
  return withEffectiveStatus(w.deps, out); // as every read path sees them: a PAID order of a CLOSED wave is CONFIRMED
}

describe('demo history (npm start)', () => {
  let w: TestWorld;
  let first: Awaited<ReturnType<typeof seedDemoHistory>>;

  beforeAll(async () => {
    w = await makeWorld({ now: `${TODAY}T10:00:00+08:00` });
    first = await seedDemoHistory(w.deps, w.clock);
  });

  it('closes the five waves ending yesterday, each with paid orders in every community', async () => {
    expect(first.waves).toEqual(DAYS);
    for (const date of DAYS) {
      expect((await w.store.get(cutoffKeys.waveDone(date)))?.status).toBe('DONE');
      const orders = await ordersOf(w, date);
      expect(new Set(orders.map((o) => o.communityId))).toEqual(new Set(DEMO.communities.map((c) => c.id)));
      expect(orders.every((o) => o.status === 'CONFIRMED' && o.transactionId)).toBe(true);
    }
    expect(await ordersOf(w, TODAY)).toEqual([]);
  });

  it('the dashboard answers non-zero figures for each of those days, equal to the confirmed orders', async () => {
    const dash = await asStaff(w, dashboardCommand, { from: DAYS[0], to: TODAY, groupBy: 'community' });
    expect(dash.days.map((d: any) => d.date)).toEqual(DAYS);
    for (const date of DAYS) {
      const confirmed = (await ordersOf(w, date)).filter((o) => o.status === 'CONFIRMED');
      const day = dash.days.find((d: any) => d.date === date);
      expect(confirmed.length).toBeGreaterThan(0);
      expect(day).toMatchObject({ orders: confirmed.length, gmvFen: confirmed.flatMap((o) => o.lines).reduce((s, l) => s + l.paidFen, 0) });
    }
    expect(dash.totals.orders).toBe(first.orders);
    expect(dash.totals.gmvFen).toBeGreaterThan(0);
    expect(dash.groups.map((g: any) => g.key).sort()).toEqual(DEMO.communities.map((c) => c.id).sort());
    const wave = await asStaff(w, waveCommand, { date: DAYS[4] });
    expect(JSON.stringify(wave)).toContain('CLOSED');
  });

  it('running it again adds nothing', async () => {
    const before = await asStaff(w, dashboardCommand, { from: DAYS[0], to: TODAY });
    expect(await seedDemoHistory(w.deps, w.clock)).toEqual({ waves: [], orders: 0 });
    expect(await asStaff(w, dashboardCommand, { from: DAYS[0], to: TODAY })).toEqual(before);
  });

  it('started after the cutoff time, the last wave is today’s (closed, so the chart does not end on an empty day)', async () => {
    const late = await makeWorld({ now: `${TODAY}T22:02:00+08:00` });
    expect(await seedDemoHistory(late.deps, late.clock, { days: 2 })).toMatchObject({ waves: ['2026-11-23', TODAY] });
    const dash = await asStaff(late, dashboardCommand, { from: TODAY, to: TODAY });
    expect(dash.totals.orders).toBeGreaterThan(0);
    expect(dash.totals.gmvFen).toBeGreaterThan(0);
    // The seeding clock never runs ahead of the time it started at.
    expect((await late.store.get(cutoffKeys.waveDone(TODAY)))?.doneAt).toBe(`${TODAY}T22:02:00+08:00`);
  });
});
