import * as z from 'zod/mini';
import { id, isoTime } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { queryAll, type Item, type WriteOp } from '#ports/item-store';
import { failedGuard, guard } from '../guards.ts';
import { allOfType, keys, typeIndex } from '../keys.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { CommunityInput, CouponInput, LEADER_STATUSES, LeaderInput, ProductInput } from '../catalog/schemas.ts';
import { getProduct, listProducts, type Product } from '../catalog/products.ts';
import { requireCommunity } from '../catalog/communities.ts';
import type { Deps } from '../deps.ts';
import { productSupplyFields, productWarnings } from '../supply/suppliers.ts';
import { productSearchKeys } from '../catalog/content.ts';

const strip = ({ pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ...rest }: Item) => rest;

/**
 * A product as stored, from its input and the stored one it replaces: the checks (an AppError
 * naming the field), the supply fields and warnings, the flash sale's id (a new sale gets its own
 * id so its stock is counted apart), the search keys and a fresh `rev`. The one home of these
 * rules for admin.upsertProduct and the CSV import (shared/app/imports).
 */
export function productRecord(deps: Deps, input: ProductInput, previous: Product | undefined) {
  if (input.memberPriceFen !== undefined && input.memberPriceFen > input.priceFen)
    throw new AppError('VALIDATION_FAILED', 'memberPriceFen above priceFen', { issues: [{ path: 'memberPriceFen', message: 'must not exceed priceFen' }] });
  if (input.flashSale && Date.parse(input.flashSale.endsAt) <= Date.parse(input.flashSale.startsAt))
    throw new AppError('VALIDATION_FAILED', 'flash sale ends before it starts', { issues: [{ path: 'flashSale.endsAt', message: 'must be after startsAt' }] });
  const { warnings, ...supply } = productSupplyFields(deps, input); // supply: suppliers, backups, arrival days
  const productId = input.id ?? deps.ids.newId();
  const flashSale = input.flashSale
      ? {
          ...input.flashSale,
          id:
            input.flashSale.id ??
            (previous?.flashSale && previous.flashSale.startsAt === input.flashSale.startsAt ? previous.flashSale.id : deps.ids.newId()),
        }
      : undefined;
  const commissionRate = input.commissionRate ?? deps.settings.defaultCommissionRate;
  // `rev`: a fresh value on every write, which placement checks against the copy it priced with (read-cache.ts).
  const product = { ...input, ...supply, id: productId, commissionRate, flashSale, ...productSearchKeys(input.title), updatedAt: toBizIso(deps.clock.now()), rev: deps.ids.newId() };
  return { product, warnings };
}

/** Creates or replaces a product (productRecord). */
export const upsertProductCommand = defineCommand({
  name: 'admin.upsertProduct',
  roles: ['owner', 'operations'],
  input: ProductInput,
  http: { method: 'POST', path: '/admin/products' },
  async run({ deps }, input) {
    const previous = input.id ? await getProduct(deps, input.id) : undefined;
    const { product, warnings } = productRecord(deps, input, previous);
    await deps.store.write({ type: 'put', item: { ...keys.product(product.id), ...typeIndex('product', product.id), ...product } });
    return warnings.length ? { ...product, warnings } : product;
  },
});

export const updateProductCommand = defineCommand({
  ...upsertProductCommand,
  name: 'admin.updateProduct',
  input: z.extend(ProductInput, { id: id() }),
  http: { method: 'PUT', path: '/admin/products/{id}' },
  async run(ctx, input) {
    if (!(await getProduct(ctx.deps, input.id))) throw new AppError('NOT_FOUND', `product ${input.id} not found`);
    return upsertProductCommand.run(ctx, input);
  },
});

export const listProductsCommand = defineCommand({
  name: 'admin.products',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/products' },
  run: async ({ deps }) => (await listProducts(deps)).map((p) => (productWarnings(p).length ? { ...p, warnings: productWarnings(p) } : p)),
});

export const upsertCommunityCommand = defineCommand({
  name: 'admin.upsertCommunity',
  roles: ['owner', 'operations'],
  input: CommunityInput,
  http: { method: 'POST', path: '/admin/communities' },
  async run({ deps }, input) {
    const communityId = input.id ?? deps.ids.newId();
    const key = keys.community(communityId);
    // Keep the leader binding and status when an existing community is edited.
    const updated = await deps.store.write({
      type: 'update',
      key,
      update: {
        set: { ...typeIndex('community', communityId), ...input, id: communityId, updatedAt: toBizIso(deps.clock.now()) },
        setIfAbsent: { status: 'active' },
      },
    });
    return strip(updated!);
  },
});

export const updateCommunityCommand = defineCommand({
  ...upsertCommunityCommand,
  name: 'admin.updateCommunity',
  input: z.extend(CommunityInput, { id: id() }),
  http: { method: 'PUT', path: '/admin/communities/{id}' },
  async run(ctx, input) {
    await requireCommunity(ctx.deps, input.id);
    return upsertCommunityCommand.run(ctx, input);
  },
});

/**
 * Onboards (or edits) a community's leader: the leader record, the openid's leader role and
 * the community's binding in one transaction, so a community never has two leaders.
 */
export const upsertLeaderCommand = defineCommand({
  name: 'admin.upsertLeader',
  roles: ['owner', 'operations'],
  input: LeaderInput,
  http: { method: 'POST', path: '/admin/leaders' },
  async run({ deps }, input) {
    await requireCommunity(deps, input.communityId);
    const leaderId = input.id ?? deps.ids.newId();
    const existing = await deps.store.get(keys.leader(leaderId));
    if (existing && (existing.openid !== input.openid || existing.communityId !== input.communityId))
      throw new AppError('INVALID_STATE', 'a leader keeps their openid and community; remove and onboard again to move', { leaderId });
    if (input.referredBy && !(await deps.store.get(keys.leader(input.referredBy))))
      throw new AppError('NOT_FOUND', `referring leader ${input.referredBy} not found`);
    const now = toBizIso(deps.clock.now());
    const { leader, ops } = leaderWriteOps(deps, input, leaderId, existing, now, (what) => what);
    try {
      await deps.store.transact(ops);
    } catch (e) {
      const failed = failedGuard<'community' | 'openid'>(e, ops);
      if (failed === 'community') throw new AppError('INVALID_STATE', 'the community already has a leader; remove them first', { communityId: input.communityId });
      if (failed === 'openid') throw new AppError('INVALID_STATE', 'this openid is already another community’s leader', {});
      throw e;
    }
    return publicLeader(leader);
  },
});

const publicLeader = ({ phoneSealed, ...rest }: Record<string, unknown>) => rest;

/**
 * A leader's record and the writes that onboard or edit them, as one transaction's part (the
 * command and the CSV import, shared/app/imports): the record (status and creation kept from
 * `before`), the community's binding and the openid's leader role, each guarded and named by
 * `name('community' | 'openid')` so a failure tells which. A removed leader's details may be
 * edited, but only a restore (setLeaderStatus) binds the community again.
 */
export function leaderWriteOps(deps: Deps, input: LeaderInput, leaderId: string, before: Item | undefined, now: string, name: (what: 'community' | 'openid') => string) {
  const status = (before?.status as string) ?? 'active';
  const leader = {
    id: leaderId,
    openid: input.openid,
    name: input.name,
    phoneSealed: deps.contacts.encrypt(input.phone, sealedRecord.leaderPhone(leaderId)),
    phoneTail: input.phone.slice(-4),
    communityId: input.communityId,
    ...(input.referredBy ? { referredBy: input.referredBy } : {}),
    status,
    createdAt: (before?.createdAt as string) ?? now,
    updatedAt: now,
  };
  const ops = [
    { type: 'put' as const, item: { ...keys.leader(leaderId), ...typeIndex('leader', leaderId), ...leader } },
    guard(
      name('community'),
      status === 'removed'
        ? { type: 'check', key: keys.community(input.communityId), when: [{ op: 'exists' }] }
        : {
            type: 'update',
            key: keys.community(input.communityId),
            update: { set: { leaderId, leaderName: input.name } },
            when: [{ op: 'exists' }, { op: 'or', conditions: [{ op: 'attrNotExists', path: 'leaderId' }, { op: 'eq', path: 'leaderId', value: leaderId }] }],
          },
    ),
    guard(name('openid'), {
      type: 'put',
      item: { ...keys.leaderRole(input.openid), leaderId, communityId: input.communityId, status },
      when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'eq', path: 'leaderId', value: leaderId }, { op: 'eq', path: 'status', value: 'removed' }] }],
    }),
  ] satisfies WriteOp[];
  return { leader, ops };
}

/** Staff move a leader between active, warned, suspended and removed (restore included). */
export const setLeaderStatusCommand = defineCommand({
  name: 'admin.setLeaderStatus',
  roles: ['owner', 'operations'],
  input: z.object({ id: id(), status: z.enum(LEADER_STATUSES), reason: z.optional(z.string().check(z.maxLength(200))) }),
  http: { method: 'POST', path: '/admin/leaders/{id}/status' },
  async run({ deps }, input) {
    return setLeaderStatus(deps, input.id, input.status, input.reason ?? 'staff decision', 'staff');
  },
});

/**
 * Sets a leader's status in one transaction with the openid's role binding. Removing unbinds the
 * community (`community.leaderId`). Restoring a removed leader (to any other status) binds the
 * community again in the same transaction, only while it has no other leader and the openid is
 * still this leader's: otherwise INVALID_STATE and nothing changes. The leader's status as read
 * is the condition, so two decisions at once cannot interleave.
 */
export async function setLeaderStatus(deps: Deps, leaderId: string, status: (typeof LEADER_STATUSES)[number], reason: string, by: string) {
  const leader = await deps.store.get(keys.leader(leaderId), { consistent: true });
  if (!leader) throw new AppError('NOT_FOUND', `leader ${leaderId} not found`);
  const now = toBizIso(deps.clock.now());
  const communityId = String(leader.communityId);
  const restoring = leader.status === 'removed' && status !== 'removed';
  const ops: WriteOp[] = [
    guard('status', {
      type: 'update',
      key: keys.leader(leaderId),
      update: { set: { status, statusReason: reason, statusBy: by, statusAt: now, updatedAt: now } },
      when: [leader.status === undefined ? { op: 'attrNotExists', path: 'status' } : { op: 'eq', path: 'status', value: leader.status as string }],
    }),
    guard('openid', { type: 'update', key: keys.leaderRole(String(leader.openid)), update: { set: { status } }, when: [{ op: 'eq', path: 'leaderId', value: leaderId }] }),
  ];
  if (status === 'removed')
    ops.push({
      type: 'update',
      key: keys.community(communityId),
      update: { remove: ['leaderId', 'leaderName'] },
      when: [{ op: 'eq', path: 'leaderId', value: leaderId }],
    });
  if (restoring)
    ops.push(
      guard('community', {
        type: 'update',
        key: keys.community(communityId),
        update: { set: { leaderId, leaderName: String(leader.name ?? '') } },
        when: [{ op: 'exists' }, { op: 'or', conditions: [{ op: 'attrNotExists', path: 'leaderId' }, { op: 'eq', path: 'leaderId', value: leaderId }] }],
      }),
    );
  try {
    await deps.store.transact(ops);
  } catch (e) {
    const failed = failedGuard<'status' | 'openid' | 'community'>(e, ops);
    if (failed === 'status') throw new AppError('INVALID_STATE', 'the leader’s status changed meanwhile; read it again', { leaderId });
    if (failed === 'openid') throw new AppError('INVALID_STATE', 'this openid is now bound to another leader', { leaderId });
    if (failed === 'community')
      throw new AppError('INVALID_STATE', 'the community has another leader (or no longer exists); a removed leader is restored only to a community without one', { leaderId, communityId });
    throw e;
  }
  return publicLeader({ ...strip(leader), status, statusReason: reason, statusAt: now });
}

export const listLeadersCommand = defineCommand({
  name: 'admin.leaders',
  roles: ['owner', 'operations'],
  input: z.object({ status: z.optional(z.enum(LEADER_STATUSES)) }),
  http: { method: 'GET', path: '/admin/leaders' },
  async run({ deps }, input) {
    const all = await queryAll(deps.store, allOfType('leader'));
    return all.filter((l) => !input.status || l.status === input.status).map((l) => publicLeader(strip(l)));
  },
});

export const upsertCouponCommand = defineCommand({
  name: 'admin.upsertCoupon',
  roles: ['owner', 'operations'],
  input: CouponInput,
  http: { method: 'POST', path: '/admin/coupons' },
  async run({ deps }, input) {
    const issues = [];
    if (input.kind === 'fixed' && input.valueFen === undefined) issues.push({ path: 'valueFen', message: 'required for a fixed coupon' });
    if (input.kind === 'percent' && input.percent === undefined) issues.push({ path: 'percent', message: 'required for a percent coupon' });
    if (Date.parse(input.validTo) <= Date.parse(input.validFrom)) issues.push({ path: 'validTo', message: 'must be after validFrom' });
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues });
    const couponId = input.id ?? deps.ids.newId();
    const coupon = { ...input, id: couponId, updatedAt: toBizIso(deps.clock.now()) };
    await deps.store.write({ type: 'put', item: { ...keys.coupon(couponId), ...typeIndex('coupon', couponId), ...coupon } });
    return coupon;
  },
});

/** Gives a coupon to customers (one each; granting twice changes nothing). */
export const grantCouponCommand = defineCommand({
  name: 'admin.grantCoupon',
  roles: ['owner', 'operations'],
  input: z.object({ id: id(), userIds: z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(500)) }),
  http: { method: 'POST', path: '/admin/coupons/{id}/grant' },
  async run({ deps }, input) {
    const coupon = await deps.store.get(keys.coupon(input.id));
    if (!coupon) throw new AppError('NOT_FOUND', `coupon ${input.id} not found`);
    let granted = 0;
    for (const userId of new Set(input.userIds)) {
      const ok = await deps.store
        .write({
          type: 'put',
          item: { ...keys.userCoupon(userId, input.id), couponId: input.id, status: 'available', grantedAt: toBizIso(deps.clock.now()) },
          when: [{ op: 'notExists' }],
        })
        .then(() => true, () => false);
      if (ok) granted++;
    }
    return { couponId: input.id, granted };
  },
});

export const grantMembershipCommand = defineCommand({
  name: 'admin.grantMembership',
  roles: ['owner', 'operations'],
  input: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)), until: isoTime() }),
  http: { method: 'POST', path: '/admin/customers/{id}/membership' },
  async run({ deps }, input) {
    const updated = await deps.store.write({
      type: 'update',
      key: keys.user(input.id),
      update: { set: { memberUntil: input.until }, setIfAbsent: { id: input.id, points: 0, createdAt: toBizIso(deps.clock.now()) } },
    });
    return { id: input.id, memberUntil: updated?.memberUntil };
  },
});

export const adminCatalogCommands = [
  upsertProductCommand,
  updateProductCommand,
  listProductsCommand,
  upsertCommunityCommand,
  updateCommunityCommand,
  upsertLeaderCommand,
  setLeaderStatusCommand,
  listLeadersCommand,
  upsertCouponCommand,
  grantCouponCommand,
  grantMembershipCommand,
];
