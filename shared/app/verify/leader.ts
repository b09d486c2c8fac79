import { AppError } from '#domain/errors';
import type { CommandContext } from '#app/command';
import { userOf } from '#platform/dispatch';
import { rolesOf, type LeaderBinding } from '../users.ts';
import { keys } from '../keys.ts';
import type { Deps } from '../deps.ts';

/**
 * The caller's leader binding when they may act for `communityId` (DESIGN.md §6: a leader
 * verifies only their own community). Looked up from data on every call: a suspended or
 * removed leader, or another community's leader, is FORBIDDEN; so is a binding whose community
 * record no longer names this leader (`community.leaderId`): the community is the authority.
 */
export async function requireLeaderOf(ctx: CommandContext, communityId?: string): Promise<LeaderBinding> {
  const { userId } = userOf(ctx);
  const { leader } = await rolesOf(ctx.deps, userId);
  if (!leader || (leader.status !== 'active' && leader.status !== 'warned')) throw new AppError('FORBIDDEN', 'only an active leader may do this');
  if (communityId !== undefined && leader.communityId !== communityId)
    throw new AppError('FORBIDDEN', 'a leader may act only on their own community', { communityId });
  if (!(await namedByCommunity(ctx.deps, leader))) throw new AppError('FORBIDDEN', 'a leader may act only where the community names them as its leader', { communityId: leader.communityId });
  return leader;
}

/** Whether the community record of a leader binding names that leader (`community.leaderId`): the authority on who leads it. */
export async function namedByCommunity(deps: Deps, leader: Pick<LeaderBinding, 'leaderId' | 'communityId'>): Promise<boolean> {
  const community = await deps.store.get(keys.community(leader.communityId), { consistent: true });
  return community?.leaderId === leader.leaderId;
}

/** Staff may act for any community; a leader only for their own. Returns the leader binding when the caller acts as leader. */
export async function requireLeaderOrStaff(ctx: CommandContext, communityId: string): Promise<LeaderBinding | undefined> {
  const { roles } = userOf(ctx);
  if (roles.includes('staff')) return undefined;
  return requireLeaderOf(ctx, communityId);
}
