import type { Job } from '#app/command';
import { addDays, bizDate, toBizIso } from '#domain/time';
import { logger } from '#platform/logger';
import { queryAll, TransactionCancelled } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { destroyContactOps } from './contacts.ts';
import { privacyKeys } from './keys.ts';

/**
 * The `retention` job (DESIGN.md §15): the sealed contact of an order picked up, cancelled or
 * expired more than `contactRetentionDays` (default 180) days ago is destroyed — the sealed blob
 * removed and the phone's blind-index item deleted — in one transaction per order, conditioned
 * on the order still being finished. The masked name and the phone's last four digits stay for
 * the merchant's reports; views then show those.
 *
 * Per community it reads only the orders of waves after its checkpoint (`JOB#retention` /
 * `C#<id>`: every order of a wave up to `through` is done) and up to the day the retention
 * period began; the checkpoint then moves to the day before the earliest wave still holding a
 * contact. An hourly heartbeat, so a run cut short by its budget is caught up within the hour;
 * a second run finds nothing to do.
 */
export const RETENTION_BUDGET_MS = 20_000;

export interface RetentionSummary {
  communities: number;
  examined: number;
  destroyed: number;
  more: boolean;
}

const finishedAt = (o: Order) => (o.status === 'PICKED_UP' || o.status === 'DELIVERED' ? o.pickedUpAt : o.status === 'CANCELLED' ? o.cancelledAt : o.status === 'EXPIRED' ? o.expiredAt : undefined);

export async function destroyExpiredContacts(deps: Deps, budgetMs = RETENTION_BUDGET_MS): Promise<RetentionSummary> {
  const started = performance.now();
  const now = deps.clock.now();
  const cutoff = now - deps.settings.contactRetentionDays * 86_400_000;
  const lastWave = bizDate(cutoff);
  const summary: RetentionSummary = { communities: 0, examined: 0, destroyed: 0, more: false };
  for (const community of await queryAll(deps.store, allOfType('community'))) {
    if (performance.now() - started > budgetMs) {
      summary.more = true;
      break;
    }
    summary.communities++;
    const communityId = String(community.id);
    const mark = await deps.store.get(privacyKeys.retention(communityId), { consistent: true });
    const through = typeof mark?.through === 'string' ? mark.through : undefined;
    if (through !== undefined && through >= lastWave) continue;
    const items = await queryAll(deps.store, { ...keys.ordersOfWavesThrough(communityId, through ? addDays(through, 1) : undefined, lastWave), consistent: true });
    let earliestKept: string | undefined;
    for (const item of items) {
      const order = orderFromItem(item);
      summary.examined++;
      if (!order.contactSealed) continue;
      const done = finishedAt(order);
      if (!done || Date.parse(done) > cutoff) {
        if (earliestKept === undefined || order.waveDate < earliestKept) earliestKept = order.waveDate;
        continue;
      }
      try {
        await deps.store.transact(
          destroyContactOps(deps, order, {
            masked: true,
            set: { contactDestroyedAt: toBizIso(now) },
            when: [{ op: 'attrExists', path: 'contactSealed' }, { op: 'eq', path: 'status', value: order.status }],
          }),
        );
        summary.destroyed++;
      } catch (e) {
        if (!(e instanceof TransactionCancelled)) throw e;
        // Changed since it was read (another run took it, or an erasure): the next run looks again.
        if (earliestKept === undefined || order.waveDate < earliestKept) earliestKept = order.waveDate;
      }
    }
    const next = earliestKept !== undefined ? addDays(earliestKept, -1) : lastWave;
    if (next !== through && (through === undefined || next > through))
      await deps.store.write({ type: 'put', item: { ...privacyKeys.retention(communityId), through: next, at: toBizIso(now) } });
  }
  if (summary.destroyed > 0) logger.info('retention: contacts destroyed', { ...summary });
  return summary;
}

export const retentionJob: Job = {
  name: 'retention',
  run: (deps) => destroyExpiredContacts(deps),
};
