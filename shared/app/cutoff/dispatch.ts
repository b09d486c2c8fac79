import * as z from 'zod/mini';
import { bizDateSchema, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { describeWave } from '#domain/wave-clock';
import { ConditionFailed, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { deliveryKeys } from '../delivery/keys.ts';
import { readRoutes, readStats } from './reports.ts';

export interface DispatchResult {
  date: string;
  routes: { routeId: string; dispatchedAt: string; stops: number }[];
  /** Leaders sent the arrival reminder by this call (a repeat: 0). */
  leaders: number;
}

/**
 * A wave's route leaves the warehouse (发车; DESIGN.md §13): its dispatch is recorded once
 * (`W#<date>` / `DISPATCH#<routeId>`, the first time kept) and the leader of each stop gets the
 * arrival reminder (`arrivalReminder`: the point, the wave's order count and the expected
 * arrival — the late notice's time when one was posted) exactly once per community and wave:
 * the push and the record of its sending are one write, deduplicated by the outbox id, so a
 * repeat or a concurrent dispatch never sends a second. Without `routeId` every route of the
 * wave. The wave must have been cut off (its routes exist), else NOT_FOUND.
 */
export async function dispatchRoutes(deps: Deps, date: string, routeId: string | undefined, by: string): Promise<DispatchResult> {
  const report = await readRoutes(deps, date);
  if (!report) throw new AppError('NOT_FOUND', `wave ${date} has no routes yet: it has not been cut off`, { date });
  const routes = report.routes.filter((r) => !routeId || r.routeId === routeId);
  if (routeId && routes.length === 0) throw new AppError('NOT_FOUND', `route ${routeId} has no stops in wave ${date}`, { routeId });
  const stats = await readStats(deps, date);
  const now = toBizIso(deps.clock.now());
  const out: DispatchResult = { date, routes: [], leaders: 0 };
  for (const route of routes) {
    const key = deliveryKeys.dispatch(date, route.routeId);
    let dispatchedAt = now;
    try {
      await deps.store.write({ type: 'put', item: { ...key, routeId: route.routeId, dispatchedAt: now, by }, when: [{ op: 'notExists' }] });
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      dispatchedAt = String((await deps.store.get(key, { consistent: true }))?.dispatchedAt ?? now); // dispatched before: the first time stays
    }
    out.routes.push({ routeId: route.routeId, dispatchedAt, stops: route.stops.length });
    for (const stop of route.stops) {
      const [community, wave] = await deps.store.getMany([keys.community(stop.communityId), keys.communityWave(stop.communityId, date)]).then((items) => [
        items.find((i) => i.sk === 'META'),
        items.find((i) => i.sk === `WAVE#${date}`),
      ]);
      const leader: Item | undefined = community?.leaderId ? await deps.store.get(keys.leader(String(community.leaderId))) : undefined;
      if (!leader || leader.status === 'removed' || typeof leader.openid !== 'string') continue;
      const expected = typeof wave?.lateArrivalAt === 'string' ? wave.lateArrivalAt : describeWave(deps.settings, date).arrivalAt;
      try {
        await deps.store.write(
          outboxOp(deps, {
            key: 'arrivalReminder',
            touser: leader.openid,
            payload: { waveDate: date, pickupPointName: stop.name, orderCount: stats?.byCommunity[stop.communityId]?.orders ?? Number(wave?.orders ?? 0), arrivedAt: expected },
            dedupe: `dispatch#${date}#${stop.communityId}`,
          }),
        );
        out.leaders++;
      } catch (e) {
        if (!(e instanceof ConditionFailed)) throw e; // sent already
      }
    }
  }
  return out;
}

/** POST /admin/waves/{date}/dispatch: warehouse staff dispatch a route (or every route) of a cut-off wave. */
export const dispatchCommand = defineCommand({
  name: 'cutoff.dispatch',
  roles: ['warehouse', 'operations'],
  input: z.object({ date: bizDateSchema(), routeId: z.optional(id()) }),
  http: { method: 'POST', path: '/admin/waves/{date}/dispatch' },
  async run(ctx, input) {
    const by = ctx.caller.kind === 'user' ? `staff:${ctx.caller.userId}` : 'staff';
    return dispatchRoutes(ctx.deps, input.date, input.routeId, by);
  },
});
