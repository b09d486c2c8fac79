import { paidMemberOutcome } from '#domain/teams';
import type { WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { waveOpenCheck } from '../waves.ts';
import type { Order } from '../orders/model.ts';
import { getTeam, type TeamMember } from './offers.ts';
import { teamKeys } from './keys.ts';

export type TeamPayment = { refuse: 'TEAM_FULL' | 'TEAM_FAILED' } | { status: 'TEAM_PENDING' | 'PAID'; ops: WriteOp[] };

/**
 * What a verified payment of a team order does (DESIGN.md §12), as writes for the payment's own
 * transaction: the team's paid counter goes up by one, conditioned on the count read (never
 * above N, and the member list read is exactly the one written). A member before the N-th
 * waits as TEAM_PENDING; the N-th completes the team in the same transaction: every member's
 * order becomes PAID and each member gets one push. A team that is complete (or full) refuses
 * the payment (TEAM_FULL), a dissolved or ended one too (TEAM_FAILED): the caller refunds it.
 */
export async function teamPayment(deps: Deps, order: Order, paidAt: string): Promise<TeamPayment> {
  const team = await getTeam(deps, order.team!.teamId);
  if (!team) return { refuse: 'TEAM_FAILED' };
  const outcome = paidMemberOutcome(team, deps.clock.now());
  if (outcome === 'FULL') return { refuse: 'TEAM_FULL' };
  if (outcome === 'FAILED') return { refuse: 'TEAM_FAILED' };
  const me: TeamMember = { orderId: order.id, userId: order.userId, communityId: order.communityId, waveDate: order.waveDate, shortNo: order.shortNo, name: order.contactMasked, paidAt };
  const members = [...team.members, me];
  const when = [
    { op: 'eq' as const, path: 'status', value: 'OPEN' },
    { op: 'eq' as const, path: 'paid', value: team.paid },
  ];
  if (outcome === 'WAIT') {
    return { status: 'TEAM_PENDING', ops: [{ type: 'update', key: teamKeys.team(team.teamId), update: { set: { members, paid: team.paid + 1 } }, when }] };
  }
  const others = team.members;
  // Every member's wave must still be open, as the payer's is (pay.ts checks that one).
  const otherCommunities = [...new Set(others.map((m) => m.communityId))].filter((c) => c !== order.communityId);
  return {
    status: 'PAID',
    ops: [
      {
        type: 'update',
        key: teamKeys.team(team.teamId),
        update: { set: { members, paid: team.paid + 1, status: 'COMPLETE', completedAt: paidAt }, remove: ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'] },
        when,
      },
      ...others.map(
        (m): WriteOp => ({
          type: 'update',
          key: keys.order(m.communityId, m.waveDate, m.orderId),
          update: { set: { status: 'PAID', teamCompletedAt: paidAt } },
          when: [{ op: 'eq', path: 'status', value: 'TEAM_PENDING' }],
        }),
      ),
      ...otherCommunities.map((c) => waveOpenCheck(c, order.waveDate)),
      ...members.map((m) =>
        outboxOp(deps, {
          key: 'teamComplete',
          touser: m.userId,
          payload: { orderId: m.orderId, orderShortNo: m.shortNo, title: order.lines[0]!.title, memberCount: members.length, completedAt: paidAt },
          dedupe: `team#${team.teamId}#${m.orderId}`,
        }),
      ),
    ],
  };
}
