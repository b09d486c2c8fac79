import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { audited } from '#app/audit/audit';
import { id, queryNumber } from '#platform/schema';
import { userOf } from '#platform/dispatch';
import { leaderCustomers, moveBinding } from '../customers.ts';
import { requireLeaderOf } from './leader.ts';

/** `GET /leader/customers` (API.md `verify.customers`): the caller leader's own bound customers, masked. */
export const customersCommand = defineCommand({
  name: 'verify.customers',
  roles: ['leader'],
  input: z.object({ cursor: z.optional(z.string().check(z.maxLength(2000))), limit: z.optional(queryNumber().check(z.multipleOf(1), z.gte(1), z.lte(200))) }),
  http: { method: 'GET', path: '/leader/customers' },
  async run(ctx, input) {
    const leader = await requireLeaderOf(ctx);
    return leaderCustomers(ctx.deps, leader.leaderId, { cursor: input.cursor, limit: input.limit ?? 50 });
  },
});

/** `POST /admin/customers/{id}/leader` (not in API.md; README; audited like every staff write): staff move a customer's binding to another leader, counters included. */
export const moveCustomerCommand = audited(
  defineCommand({
  name: 'verify.moveCustomer',
  roles: ['owner', 'operations'],
  input: z.object({ id: id(), leaderId: id() }),
  http: { method: 'POST', path: '/admin/customers/{id}/leader' },
  async run(ctx, input) {
    return moveBinding(ctx.deps, { userId: input.id, leaderId: input.leaderId, by: userOf(ctx).userId });
  },
  }),
);
