import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { queryAll, type Item } from '#ports/item-store';
import { findOrder } from '../orders/model.ts';
import { requestAfterSales } from '../after-sales/request.ts';
import { requireLeaderOf } from '../verify/leader.ts';
import { lostRace } from '../verify/retry.ts';
import { workspaceKeys } from './keys.ts';

/**
 * Leader-assisted after-sales (issue 17 item 8): the leader of an order's community files the
 * request with photos on the customer's behalf (a draft, nothing claimed yet); the customer
 * confirms it, which files the ordinary after-sales request (same rules: picked up, within
 * `afterSalesHours`, units not yet asked for) with `assistedBy` and the photos, and marks the draft
 * CONFIRMED in the same write — so a draft becomes one request, once.
 *
 * Draft item: `ASD#<id>` / `DRAFT`, GSI1 `ASD#<userId>` / `<createdAt>#<id>` lists a customer's drafts.
 */
export const draftKey = (draftId: string) => ({ pk: `ASD#${draftId}`, sk: 'DRAFT' });
const draftIndex = (userId: string, createdAt: string, draftId: string) => ({ gsi1pk: `ASD#${userId}`, gsi1sk: `${createdAt}#${draftId}` });
const draftsOf = (userId: string) => ({ index: 'gsi1' as const, pk: `ASD#${userId}` });

const url = () => z.string().check(z.maxLength(500), z.regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL'));
export const AssistInput = z.object({
  orderId: id(),
  lines: z.array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(999)) })).check(z.minLength(1), z.maxLength(50)),
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  photos: z._default(z.array(url()).check(z.maxLength(9)), []),
});

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);
const view = (it: Item) => Object.fromEntries(Object.entries(it).filter(([k]) => !META.has(k)));

/** `POST /leader/after-sales` (`verify.assistAfterSales`): a draft for the customer to confirm. */
export const assistAfterSalesCommand = defineCommand({
  name: 'verify.assistAfterSales',
  roles: ['leader'],
  input: AssistInput,
  http: { method: 'POST', path: '/leader/after-sales' },
  async run(ctx, input) {
    const { deps } = ctx;
    const leader = await requireLeaderOf(ctx);
    const order = await findOrder(deps, input.orderId);
    // Another community's order is not found (a leader sees only their own).
    if (!order || order.communityId !== leader.communityId) throw new AppError('NOT_FOUND', `order ${input.orderId} not found`);
    if (order.status !== 'PICKED_UP') throw new AppError('INVALID_STATE', `after-sales is for picked-up orders; this one is ${order.status}`, { status: order.status });
    const issues = input.lines.flatMap((l, i) => (order.lines.some((x) => x.productId === l.productId) ? [] : [{ path: `lines.${i}.productId`, message: 'not in this order' }]));
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'a product is not in this order', { issues });
    const draftId = deps.ids.newId();
    const now = toBizIso(deps.clock.now());
    const draft = {
      id: draftId,
      orderId: order.id,
      orderShortNo: order.shortNo,
      communityId: order.communityId,
      userId: order.userId,
      leaderId: leader.leaderId,
      lines: input.lines.map((l) => ({ ...l, title: order.lines.find((x) => x.productId === l.productId)!.title })),
      reason: input.reason,
      photos: input.photos,
      status: 'AWAITING_CUSTOMER',
      createdAt: now,
    };
    await deps.store.write({ type: 'put', item: { ...draftKey(draftId), ...draftIndex(order.userId, now, draftId), ...draft }, when: [{ op: 'notExists' }] });
    return draft;
  },
});

/** `GET /after-sales/drafts` (`verify.afterSalesDrafts`): the caller's drafts filed by their leader, newest first. */
export const afterSalesDraftsCommand = defineCommand({
  name: 'verify.afterSalesDrafts',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/after-sales/drafts' },
  async run(ctx) {
    const items = await queryAll(ctx.deps.store, { ...draftsOf(userOf(ctx).userId), descending: true });
    return items.map(view);
  },
});

/** `POST /after-sales/drafts/{id}/confirm` (`verify.confirmAfterSales`): the customer files the leader's draft → the after-sales request. */
export const confirmAfterSalesCommand = defineCommand({
  name: 'verify.confirmAfterSales',
  roles: ['customer'],
  input: z.object({ id: id() }),
  http: { method: 'POST', path: '/after-sales/drafts/{id}/confirm' },
  async run(ctx, input) {
    const { deps } = ctx;
    const { userId } = userOf(ctx);
    const draft = await deps.store.get(draftKey(input.id), { consistent: true });
    if (!draft || draft.userId !== userId) throw new AppError('NOT_FOUND', `draft ${input.id} not found`);
    const done = (d: Item) => new AppError('ALREADY_DONE', 'this draft was already confirmed', { afterSalesId: d.afterSalesId ?? null });
    if (draft.status !== 'AWAITING_CUSTOMER') throw done(draft);
    const now = toBizIso(deps.clock.now());
    try {
      const request = await requestAfterSales(
        deps,
        userId,
        { id: String(draft.orderId), lines: (draft.lines as { productId: string; qty: number }[]).map(({ productId, qty }) => ({ productId, qty })), reason: String(draft.reason) },
        {
          leaderId: String(draft.leaderId),
          photos: draft.photos as string[],
          ops: [{ type: 'update', key: draftKey(input.id), update: { set: { status: 'CONFIRMED', confirmedAt: now } }, when: [{ op: 'eq', path: 'status', value: 'AWAITING_CUSTOMER' }] }],
        },
      );
      await deps.store.write({ type: 'update', key: draftKey(input.id), update: { set: { afterSalesId: request.id } } });
      return request;
    } catch (e) {
      if (!lostRace(e)) throw e;
      const after = await deps.store.get(draftKey(input.id), { consistent: true });
      if (after && after.status !== 'AWAITING_CUSTOMER') throw done(after);
      throw e;
    }
  },
});

export const assistedAfterSalesCommands = [assistAfterSalesCommand, afterSalesDraftsCommand, confirmAfterSalesCommand];
