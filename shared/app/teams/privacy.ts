import { TransactionCancelled } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import type { Order } from '../orders/model.ts';
import { getTeam } from './offers.ts';
import { teamKeys } from './keys.ts';

const ATTEMPTS = 5;

/**
 * Account deletion (privacy): the customer's teams keep no openid or masked name of theirs —
 * their member entries say "erased", and their membership item is deleted. Runs before the
 * orders are anonymised (they name the teams), so a retry still finds them.
 */
export async function forgetTeamMemberships(deps: Deps, userId: string, orders: readonly Order[]): Promise<void> {
  for (const teamId of new Set(orders.flatMap((o) => (o.team ? [o.team.teamId] : [])))) {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const team = await getTeam(deps, teamId);
      if (!team) break;
      const members = team.members.map((m) => (m.userId === userId ? { ...m, userId: 'erased', name: '' } : m));
      try {
        await deps.store.transact([
          {
            type: 'update',
            key: teamKeys.team(teamId),
            update: { set: { members, ...(team.startedBy === userId ? { startedBy: 'erased' } : {}) } },
            when: [{ op: 'eq', path: 'paid', value: team.paid }, { op: 'eq', path: 'status', value: team.status }],
          },
          { type: 'delete', key: teamKeys.member(teamId, userId) },
        ]);
        break;
      } catch (e) {
        if (!(e instanceof TransactionCancelled)) throw e;
      }
    }
  }
}
