import * as z from 'zod/mini';
import { coordinate, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { phoneTail } from '#domain/masking';
import { toBizIso } from '#domain/time';
import { queryAll, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { failedGuard, guard } from '../guards.ts';
import { keys, typeIndex } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { rolesOf } from '../users.ts';
import { lostRace } from '../verify/retry.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { PickupHoursInput, personName } from '../catalog/schemas.ts';
import { applicationIndex, applicationsByStatus, workspaceKeys } from './keys.ts';

/**
 * Leader applications (issue 17 item 1, DESIGN.md §13): any signed-in customer applies to run a
 * pickup point; staff approve (the community — new or an existing one without a leader — and the
 * leader binding are created in ONE transaction, so a retried or concurrent approval creates them
 * once) or reject with a reason. The applicant gets a push either way (outbox, same transaction).
 */
export const APPLICATION_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

const url = () => z.string().check(z.maxLength(500), z.regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL'));

export const ApplicationInput = z.object({
  name: personName(20),
  pointName: z.string().check(z.minLength(1), z.maxLength(40)),
  address: z.string().check(z.minLength(1), z.maxLength(120)),
  location: z.object({ lat: coordinate(90), lng: coordinate(180) }),
  region: z.string().check(z.minLength(1), z.maxLength(40)),
  hours: PickupHoursInput,
  capacity: z.int().check(z.minimum(1), z.maximum(10_000)),
  phone: z.string().check(z.regex(/^1[3-9]\d{9}$/, 'expected an 11-digit mainland mobile number')),
  description: z.optional(z.string().check(z.maxLength(500))),
  photos: z.optional(z.array(url()).check(z.maxLength(9))),
});

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'phoneSealed']);
/** The application as shown (applicant and staff): the phone only by its last four digits. */
export const applicationView = (it: Item) => Object.fromEntries(Object.entries(it).filter(([k]) => !META.has(k)));

/** Derived ids: approving twice can only ever name the same leader and new community. */
export const leaderIdOf = (applicationId: string) => `l-${applicationId}`;
export const newCommunityIdOf = (applicationId: string) => `c-${applicationId}`;

/** `POST /leader/applications` (`verify.apply`). */
export const applyCommand = defineCommand({
  name: 'verify.apply',
  roles: ['customer'],
  input: ApplicationInput,
  http: { method: 'POST', path: '/leader/applications' },
  async run(ctx, input) {
    const { userId } = userOf(ctx);
    const { deps } = ctx;
    const { leader } = await rolesOf(deps, userId);
    if (leader && leader.status !== 'removed') throw new AppError('INVALID_STATE', 'you are already a leader', { reason: 'ALREADY_LEADER' });
    const applicationId = deps.ids.newId();
    const now = toBizIso(deps.clock.now());
    const { phone, ...rest } = input;
    const application = {
      id: applicationId,
      userId,
      ...rest,
      photos: input.photos ?? [],
      phoneTail: phoneTail(phone),
      status: 'PENDING' as ApplicationStatus,
      createdAt: now,
    };
    const ops: WriteOp[] = [
      {
        type: 'put',
        item: { ...workspaceKeys.application(applicationId), ...applicationIndex('PENDING', now, applicationId), ...application, phoneSealed: deps.contacts.encrypt(phone, sealedRecord.applicationPhone(applicationId)) },
        when: [{ op: 'notExists' }],
      },
      guard('open', { type: 'put', item: { ...workspaceKeys.openApplication(userId), applicationId, createdAt: now }, when: [{ op: 'notExists' }] }),
    ];
    try {
      await deps.store.transact(ops);
    } catch (e) {
      if (failedGuard(e, ops) === 'open') {
        const open = await deps.store.get(workspaceKeys.openApplication(userId), { consistent: true });
        throw new AppError('INVALID_STATE', 'you already have an application under review', { reason: 'OPEN_APPLICATION', applicationId: open?.applicationId ?? null });
      }
      throw e;
    }
    return application;
  },
});

/** `GET /admin/leader-applications?status=` (`admin.leaderApplications`): the review queue, oldest first. */
export const leaderApplicationsCommand = defineCommand({
  name: 'admin.leaderApplications',
  roles: ['owner', 'operations'],
  input: z.object({ status: z.optional(z.enum(APPLICATION_STATUSES)) }),
  http: { method: 'GET', path: '/admin/leader-applications' },
  async run({ deps }, input) {
    const items = await queryAll(deps.store, applicationsByStatus(input.status ?? 'PENDING'));
    return items.map(applicationView);
  },
});

export const DecideApplicationInput = z.object({
  id: id(),
  decision: z.enum(['approve', 'reject']),
  communityId: z.optional(id()),
  routeId: z.optional(id()),
  reason: z.optional(z.string().check(z.maxLength(200))),
});

/** `POST /admin/leader-applications/{id}/decide` (`admin.decideLeaderApplication`). */
export const decideLeaderApplicationCommand = defineCommand({
  name: 'admin.decideLeaderApplication',
  roles: ['owner', 'operations'],
  input: DecideApplicationInput,
  http: { method: 'POST', path: '/admin/leader-applications/{id}/decide' },
  async run(ctx, input) {
    return decideApplication(ctx.deps, userOf(ctx).userId, input);
  },
});

const invalid = (path: string, message: string) => new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues: [{ path, message }] });

/**
 * Decides a PENDING application in one transaction: the application's PENDING → decided
 * condition, the open marker's removal, the applicant's push and, on approval, the community
 * (created with a `notExists` condition, or an existing one conditioned on having no leader), the
 * leader record (`notExists`) and the openid's leader role. A second decision, even a concurrent
 * one, answers ALREADY_DONE and writes nothing.
 */
export async function decideApplication(deps: Deps, staffId: string, input: z.infer<typeof DecideApplicationInput>, attempt = 1): Promise<Record<string, unknown>> {
  if (input.decision === 'reject' && !input.reason?.trim()) throw invalid('reason', 'a rejection needs a reason');
  if (input.decision === 'approve' && !input.communityId && !input.routeId) throw invalid('routeId', 'a new community needs a route (or give an existing communityId)');
  const item = await deps.store.get(workspaceKeys.application(input.id), { consistent: true });
  if (!item) throw new AppError('NOT_FOUND', `leader application ${input.id} not found`);
  const alreadyDone = (it: Item) =>
    new AppError('ALREADY_DONE', `the application was already ${String(it.status).toLowerCase()}`, { status: it.status, decidedAt: it.decidedAt ?? null });
  if (item.status !== 'PENDING') throw alreadyDone(item);

  const userId = String(item.userId);
  const now = toBizIso(deps.clock.now());
  const status: ApplicationStatus = input.decision === 'approve' ? 'APPROVED' : 'REJECTED';
  const leaderId = leaderIdOf(input.id);
  const communityId = input.communityId ?? newCommunityIdOf(input.id);
  const decided: Record<string, unknown> = {
    status,
    decidedAt: now,
    decidedBy: staffId,
    ...applicationIndex(status, String(item.createdAt), input.id),
    ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    ...(status === 'APPROVED' ? { communityId, leaderId } : {}),
  };
  const ops: WriteOp[] = [
    guard('status', {
      type: 'update',
      key: workspaceKeys.application(input.id),
      update: { set: decided, remove: ['phoneSealed'] },
      when: [{ op: 'eq', path: 'status', value: 'PENDING' }],
    }),
    { type: 'delete', key: workspaceKeys.openApplication(userId) },
    outboxOp(deps, {
      key: 'leaderApplication',
      touser: userId,
      payload: { applicationId: input.id, pointName: String(item.pointName), result: status === 'APPROVED' ? 'approved' : 'rejected', ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}), at: now },
      dedupe: `leaderApplication#${input.id}`,
    }),
  ];

  // A refusal found while reading may be a concurrent approval of this very application: that one answers ALREADY_DONE.
  const refuse = async (e: AppError) => {
    const now = await deps.store.get(workspaceKeys.application(input.id), { consistent: true });
    return now && now.status !== 'PENDING' ? alreadyDone(now) : e;
  };
  if (status === 'APPROVED') {
    if (input.communityId) {
      const community = await deps.store.get(keys.community(input.communityId), { consistent: true });
      if (!community || community.status === 'inactive') throw new AppError('NOT_FOUND', `community ${input.communityId} not found`, { communityId: input.communityId });
      if (community.leaderId) throw await refuse(new AppError('INVALID_STATE', 'the community already has a leader', { reason: 'COMMUNITY_HAS_LEADER', communityId: input.communityId }));
    }
    const role = await deps.store.get(keys.leaderRole(userId), { consistent: true });
    if (role && role.status !== 'removed') throw await refuse(new AppError('INVALID_STATE', 'the applicant already leads a community', { reason: 'ALREADY_LEADER' }));
    const phone = deps.contacts.decrypt(String(item.phoneSealed), sealedRecord.applicationPhone(input.id));
    const name = String(item.name);
    ops.push(
      input.communityId
        ? guard('community', {
            type: 'update',
            key: keys.community(input.communityId),
            update: { set: { leaderId, leaderName: name, updatedAt: now } },
            when: [{ op: 'exists' }, { op: 'attrNotExists', path: 'leaderId' }],
          })
        : guard('community', {
            type: 'put',
            item: {
              ...keys.community(communityId),
              ...typeIndex('community', communityId),
              id: communityId,
              name: String(item.pointName),
              address: String(item.address),
              region: String(item.region),
              location: item.location,
              routeId: input.routeId!,
              hours: item.hours,
              capacity: item.capacity,
              status: 'active',
              leaderId,
              leaderName: name,
              applicationId: input.id,
              updatedAt: now,
            },
            when: [{ op: 'notExists' }],
          }),
      guard('leader', {
        type: 'put',
        item: {
          ...keys.leader(leaderId),
          ...typeIndex('leader', leaderId),
          id: leaderId,
          openid: userId,
          name,
          phoneSealed: deps.contacts.encrypt(phone, sealedRecord.leaderPhone(leaderId)),
          phoneTail: phoneTail(phone),
          communityId,
          status: 'active',
          applicationId: input.id,
          createdAt: now,
          updatedAt: now,
        },
        when: [{ op: 'notExists' }],
      }),
      guard('openid', {
        type: 'put',
        item: { ...keys.leaderRole(userId), leaderId, communityId, status: 'active' },
        when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'eq', path: 'status', value: 'removed' }] }],
      }),
    );
  }

  try {
    await deps.store.transact(ops);
  } catch (e) {
    const failed = failedGuard<'status' | 'community' | 'leader' | 'openid'>(e, ops);
    if (failed === 'status' || failed === 'leader') {
      const after = await deps.store.get(workspaceKeys.application(input.id), { consistent: true });
      throw alreadyDone(after ?? item);
    }
    if (failed === 'community') throw await refuse(new AppError('INVALID_STATE', 'the community already has a leader (or exists already)', { reason: 'COMMUNITY_HAS_LEADER', communityId }));
    if (failed === 'openid') throw await refuse(new AppError('INVALID_STATE', 'the applicant already leads a community', { reason: 'ALREADY_LEADER' }));
    // A conflict with a concurrent decision that outlasted the store's retries: decided meanwhile → ALREADY_DONE, else try again.
    if (lostRace(e) && attempt < 5) {
      const after = await deps.store.get(workspaceKeys.application(input.id), { consistent: true });
      if (after && after.status !== 'PENDING') throw alreadyDone(after);
      return decideApplication(deps, staffId, input, attempt + 1);
    }
    throw e;
  }
  const { pk, sk, gsi1pk, gsi1sk, phoneSealed, ...rest } = { ...item, ...decided };
  return rest;
}

export const applicationAdminCommands = [leaderApplicationsCommand, decideLeaderApplicationCommand];

/** The applications a customer made (any status), as they see them: for `auth.export`. A bounded scan of the review queue. */
export async function applicationsOf(deps: Deps, userId: string): Promise<Record<string, unknown>[]> {
  const all = (await Promise.all(APPLICATION_STATUSES.map((s) => queryAll(deps.store, applicationsByStatus(s))))).flat();
  return all.filter((it) => it.userId === userId).map(applicationView);
}

/**
 * Account deletion (`auth.deleteAccount`): a pending or rejected application is deleted with its
 * sealed phone; an approved one keeps what became the community's, without the applicant's name,
 * phone tail, description or photos, and without their id.
 */
export async function forgetApplications(deps: Deps, userId: string): Promise<void> {
  const all = (await Promise.all(APPLICATION_STATUSES.map((s) => queryAll(deps.store, applicationsByStatus(s))))).flat();
  for (const it of all.filter((x) => x.userId === userId)) {
    const key = workspaceKeys.application(String(it.id));
    if (it.status === 'APPROVED') await deps.store.write({ type: 'update', key, update: { set: { erased: true }, remove: ['userId', 'name', 'phoneTail', 'description', 'photos', 'phoneSealed'] } });
    else await deps.store.write({ type: 'delete', key });
  }
}
