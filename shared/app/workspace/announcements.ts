import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import type { LeaderBinding } from '../users.ts';
import { requireLeaderOf } from '../verify/leader.ts';
import { settleKeys } from '../settle/keys.ts';
import { allAnnouncements, announcementIndex, workspaceKeys } from './keys.ts';

/**
 * Announcements and training materials to leaders (issue 17 item 4, DESIGN.md §13). Staff publish
 * to all leaders or some (by the region or route of their community). Who is addressed is decided
 * when read, so a leader approved later still sees (and must read) earlier training. The push goes
 * out at publication, one per addressed leader: each outbox entry's id is derived from the
 * announcement and the leader, so a retried publication (same `requestId`) queues none twice.
 */
export const AudienceInput = z
  .object({
    all: z.optional(z.literal(true)),
    regions: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(40))).check(z.maxLength(100))),
    routeIds: z.optional(z.array(id()).check(z.maxLength(100))),
  })
  .check(z.refine((a) => a.all === true || (a.regions?.length ?? 0) > 0 || (a.routeIds?.length ?? 0) > 0, 'address all leaders or at least one region or route'));
export type Audience = z.infer<typeof AudienceInput>;

export const AnnounceInput = z.object({
  /** Optional: a retry with the same requestId publishes nothing twice. */
  requestId: z.optional(id()),
  title: z.string().check(z.minLength(1), z.maxLength(40)),
  body: z.string().check(z.minLength(1), z.maxLength(5000)),
  kind: z._default(z.enum(['notice', 'training']), 'notice'),
  audience: AudienceInput,
});

/** Whether an announcement's audience includes a community (by its region or route). */
export function addresses(audience: Audience, community: Record<string, unknown>): boolean {
  if (audience.all) return true;
  if (audience.regions?.includes(String(community.region ?? ''))) return true;
  return audience.routeIds?.includes(String(community.routeId ?? '')) ?? false;
}

const view = (it: Item, readAt?: string) => ({
  id: String(it.id),
  title: String(it.title),
  body: String(it.body),
  kind: it.kind as 'notice' | 'training',
  audience: it.audience as Audience,
  publishedAt: String(it.publishedAt),
  ...(readAt ? { readAt } : {}),
});

/** `POST /admin/announcements` (`admin.announce`) → the announcement with `pushed` (leaders addressed now). */
export const announceCommand = defineCommand({
  name: 'admin.announce',
  roles: ['owner', 'operations'],
  input: AnnounceInput,
  http: { method: 'POST', path: '/admin/announcements' },
  async run(ctx, input) {
    const { deps } = ctx;
    const by = userOf(ctx).userId;
    const announcementId = input.requestId ? `ann-${input.requestId}` : deps.ids.newId();
    const now = toBizIso(deps.clock.now());
    const record = { id: announcementId, title: input.title, body: input.body, kind: input.kind, audience: input.audience, publishedAt: now, publishedBy: by };
    let stored: Item = { ...workspaceKeys.announcement(announcementId), ...record };
    try {
      await deps.store.write({ type: 'put', item: { ...stored, ...announcementIndex(now, announcementId) }, when: [{ op: 'notExists' }] });
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      // A retry: finish the pushes of the stored announcement (its own content and audience).
      stored = (await deps.store.get(workspaceKeys.announcement(announcementId), { consistent: true }))!;
      if (stored.title !== input.title || stored.body !== input.body) throw new AppError('INVALID_STATE', 'this requestId published another announcement', { announcementId });
    }
    const leaders = await addressedLeaders(deps, stored.audience as Audience);
    for (const leader of leaders) {
      try {
        await deps.store.write(
          outboxOp(deps, {
            key: 'announcement',
            touser: leader.openid,
            payload: { announcementId, title: String(stored.title), kind: stored.kind as 'notice' | 'training', publishedAt: String(stored.publishedAt) },
            dedupe: `announcement#${announcementId}#${leader.leaderId}`,
          }),
        );
      } catch (e) {
        // Queued by an earlier attempt: exactly once.
        if (!(e instanceof ConditionFailed || (e instanceof TransactionCancelled && e.failedAt() === 0))) throw e;
      }
    }
    return { ...view(stored), pushed: leaders.length };
  },
});

/** The active and warned leaders whose community the audience addresses. */
async function addressedLeaders(deps: Deps, audience: Audience): Promise<{ leaderId: string; openid: string; communityId: string }[]> {
  const [leaders, communities] = await Promise.all([queryAll(deps.store, allOfType('leader')), queryAll(deps.store, allOfType('community'))]);
  const byId = new Map(communities.map((c) => [String(c.id), c]));
  return leaders
    .filter((l) => l.status === 'active' || l.status === 'warned')
    .filter((l) => {
      const c = byId.get(String(l.communityId));
      return c !== undefined && c.leaderId === l.id && addresses(audience, c);
    })
    .map((l) => ({ leaderId: String(l.id), openid: String(l.openid), communityId: String(l.communityId) }));
}

/** Every announcement addressed to a leader's community, newest first, with the leader's read time. */
export async function leaderAnnouncements(deps: Deps, leader: Pick<LeaderBinding, 'leaderId' | 'communityId'>) {
  const [community, all, reads] = await Promise.all([
    deps.store.get(keys.community(leader.communityId)),
    queryAll(deps.store, { ...allAnnouncements(), descending: true }),
    queryAll(deps.store, { ...workspaceKeys.announcementReads(leader.leaderId), consistent: true }),
  ]);
  const readAt = new Map(reads.map((r) => [String(r.announcementId), String(r.readAt)]));
  return all.filter((a) => community && addresses(a.audience as Audience, community)).map((a) => view(a, readAt.get(String(a.id))));
}

/**
 * The training gate (DESIGN.md §13: training is read before a new leader's first pickup): a leader
 * with no ledger entry yet (never redeemed) who has not read every training announcement addressed
 * to them gets INVALID_STATE `{ reason: "TRAINING", unread }`. A leader who has redeemed before
 * costs one one-item query.
 */
export async function assertTrainingRead(deps: Deps, leader: Pick<LeaderBinding, 'leaderId' | 'communityId'>): Promise<void> {
  const entries = await deps.store.query({ ...settleKeys.entriesFrom(leader.leaderId, undefined), limit: 1 });
  if (entries.items.length > 0) return;
  const unread = (await leaderAnnouncements(deps, leader)).filter((a) => a.kind === 'training' && !a.readAt);
  if (unread.length > 0)
    throw new AppError('INVALID_STATE', 'read the training materials before the first pickup', {
      reason: 'TRAINING',
      unread: unread.map((a) => ({ id: a.id, title: a.title })),
    });
}

/** `GET /leader/announcements` (`verify.announcements`). */
export const announcementsCommand = defineCommand({
  name: 'verify.announcements',
  roles: ['leader'],
  input: z.object({ kind: z.optional(z.enum(['notice', 'training'])) }),
  http: { method: 'GET', path: '/leader/announcements' },
  async run(ctx, input) {
    const leader = await requireLeaderOf(ctx);
    const list = await leaderAnnouncements(ctx.deps, leader);
    return list.filter((a) => !input.kind || a.kind === input.kind).map(({ audience, ...rest }) => rest);
  },
});

/** `POST /leader/announcements/{id}/read` (`verify.readAnnouncement`): the read receipt, once (a second read keeps the first time). */
export const readAnnouncementCommand = defineCommand({
  name: 'verify.readAnnouncement',
  roles: ['leader'],
  input: z.object({ id: id() }),
  http: { method: 'POST', path: '/leader/announcements/{id}/read' },
  async run(ctx, input) {
    const { deps } = ctx;
    const leader = await requireLeaderOf(ctx);
    const [announcement, community] = await Promise.all([deps.store.get(workspaceKeys.announcement(input.id)), deps.store.get(keys.community(leader.communityId))]);
    if (!announcement || !community || !addresses(announcement.audience as Audience, community)) throw new AppError('NOT_FOUND', `announcement ${input.id} not found`);
    const receipt = await deps.store.write({
      type: 'update',
      key: workspaceKeys.announcementRead(leader.leaderId, input.id),
      update: { setIfAbsent: { announcementId: input.id, readAt: toBizIso(deps.clock.now()) } },
    });
    const { audience, ...rest } = view(announcement, String(receipt!.readAt));
    return rest;
  },
});
