import { AppError } from '#domain/errors';
import type { LeaderStatus } from '#domain/leader-review';
import { queryAll, type Item } from '#ports/item-store';
import type { CommandContext } from '#app/command';
import { userOf } from '#platform/dispatch';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import type { LedgerEntry } from '../ledger.ts';

/** What settlement needs of a leader record (L#<id> / META). */
export interface LeaderRecord {
  id: string;
  openid: string;
  name: string;
  communityId: string;
  status: LeaderStatus;
  createdAt?: string;
  referredBy?: string;
}

export function leaderFromItem(item: Item): LeaderRecord {
  return {
    id: String(item.id),
    openid: String(item.openid),
    name: String(item.name ?? ''),
    communityId: String(item.communityId ?? ''),
    status: (item.status as LeaderStatus) ?? 'active',
    ...(item.createdAt ? { createdAt: String(item.createdAt) } : {}),
    ...(item.referredBy ? { referredBy: String(item.referredBy) } : {}),
  };
}

/** Every leader, whatever the status (a suspended leader's earned commission is still settled). */
export async function allLeaders(deps: Deps): Promise<LeaderRecord[]> {
  const items = await queryAll(deps.store, allOfType('leader'));
  return items.filter((i) => i.id && i.openid).map(leaderFromItem);
}

/** The calling leader's id, from the role binding of their openid. */
export async function callerLeader(ctx: CommandContext): Promise<{ userId: string; leaderId: string }> {
  const { userId } = userOf(ctx);
  const binding = await ctx.deps.store.get(keys.leaderRole(userId));
  if (!binding?.leaderId) throw new AppError('FORBIDDEN', 'only a leader has a balance');
  return { userId, leaderId: String(binding.leaderId) };
}

/** A ledger entry item back as the LedgerEntry shape. */
export function entryFromItem(item: Item): LedgerEntry {
  return {
    id: String(item.id),
    leaderId: String(item.leaderId),
    // Another kind (a manual correction) is kept as is and shows as an adjustment.
    kind: String(item.kind) as LedgerEntry['kind'],
    orderId: String(item.orderId ?? ''),
    shortNo: String(item.shortNo ?? ''),
    communityId: String(item.communityId ?? ''),
    at: String(item.at),
    lines: (item.lines as LedgerEntry['lines']) ?? [],
    amountFen: Number(item.amountFen),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
  };
}
