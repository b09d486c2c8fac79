import { isAppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { queryAll, TransactionCancelled } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { cancelOrder } from '../orders/cancel.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { keys } from '../keys.ts';
import { getTeam } from './offers.ts';
import { TEAM_DUE, teamKeys } from './keys.ts';

const ATTEMPTS = 6;

/**
 * Dissolves a team that did not complete and refunds every paid member exactly once
 * (DESIGN.md §12). Steps: OPEN → DISSOLVED conditioned on the paid count read (a payment
 * landing meanwhile makes it read again; a completion wins and nothing is dissolved) → each
 * member's TEAM_PENDING order CANCELLED (TEAM_FAILED) with its refund and holds given back
 * (`cancelOrder`, conditioned on the status) → the team leaves the expire job's list. A run
 * interrupted anywhere is finished by the next: a second run refunds no one again.
 */
export async function dissolveTeam(deps: Deps, teamId: string): Promise<{ refunded: number; dissolved: boolean }> {
  let refunded = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const team = await getTeam(deps, teamId);
    if (!team || team.status === 'COMPLETE') return { refunded, dissolved: false };
    const at = toBizIso(deps.clock.now());
    if (team.status === 'OPEN') {
      try {
        await deps.store.transact([
          {
            type: 'update',
            key: teamKeys.team(teamId),
            update: { set: { status: 'DISSOLVED', dissolvedAt: at }, remove: ['gsi1pk', 'gsi1sk'] },
            when: [{ op: 'eq', path: 'status', value: 'OPEN' }, { op: 'eq', path: 'paid', value: team.paid }],
          },
        ]);
      } catch (e) {
        if (e instanceof TransactionCancelled) continue; // a member paid meanwhile: read again
        throw e;
      }
    }
    for (const m of team.members) {
      const item = await deps.store.get(keys.order(m.communityId, m.waveDate, m.orderId), { consistent: true });
      const order: Order | undefined = item ? orderFromItem(item) : undefined;
      if (order?.status !== 'TEAM_PENDING') continue;
      try {
        await cancelOrder(deps, order, 'TEAM_FAILED');
        refunded++;
      } catch (e) {
        // Cancelled by a concurrent run: refunded there.
        if (!isAppError(e)) throw e;
      }
    }
    await deps.store.write({ type: 'update', key: teamKeys.team(teamId), update: { set: { sweptAt: toBizIso(deps.clock.now()) }, remove: ['gsi2pk', 'gsi2sk'] }, when: [{ op: 'eq', path: 'status', value: 'DISSOLVED' }] });
    if (refunded) logger.info('team dissolved', { teamId, refunded });
    return { refunded, dissolved: true };
  }
  throw new Error(`team ${teamId} kept changing while dissolving`);
}

/**
 * The expire job's part: every team whose window ended incomplete (and any dissolved team whose
 * refunds an earlier run did not finish) is dissolved, found through the sparse GSI2 list.
 */
export async function dissolveExpiredTeams(deps: Deps): Promise<{ dissolved: number; refunded: number }> {
  const nowIso = toBizIso(deps.clock.now());
  const due = await queryAll(deps.store, { index: 'gsi2', pk: TEAM_DUE, to: `${nowIso}#` });
  const out = { dissolved: 0, refunded: 0 };
  for (const item of due) {
    const r = await dissolveTeam(deps, String(item.teamId));
    if (r.dissolved) out.dissolved++;
    out.refunded += r.refunded;
  }
  return out;
}

/** The cutoff's part: a TEAM_PENDING order in the wave it closes dissolves its team (never confirmed as a paid order). */
export async function dissolveTeamOfOrder(deps: Deps, order: Order): Promise<void> {
  if (order.status === 'TEAM_PENDING' && order.team) await dissolveTeam(deps, order.team.teamId);
}
