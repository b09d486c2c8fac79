import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { queryNumber } from '#platform/schema';
import { leaderCustomers } from '../customers.ts';
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
