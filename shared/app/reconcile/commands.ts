import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { readReconciliation } from './reconcile.ts';

/** `GET /admin/reconciliation?date=` → `{ date, matched, mismatches, … }`, reconciling the day first when it has no result yet. */
export const reconciliationCommand = defineCommand({
  name: 'settle.reconciliation',
  roles: ['owner', 'finance', 'integration:finance'],
  input: z.object({ date: bizDateSchema() }),
  http: { method: 'GET', path: '/admin/reconciliation' },
  run: ({ deps }, input) => readReconciliation(deps, input.date),
});

/** Local stage: `POST /dev/bill/{date} { tamper? }` writes the sandbox's trade bill of the day from its own records. */
export const devBillCommand = defineCommand({
  name: 'dev.bill',
  roles: ['customer', 'staff'],
  input: z.object({ date: bizDateSchema(), tamper: z.optional(z.object({ outTradeNo: z.string().check(z.minLength(1), z.maxLength(64)), amountFen: z.int().check(z.minimum(0), z.maximum(100_000_000)) })) }),
  http: { method: 'POST', path: '/dev/bill/{date}' },
  async run({ deps }, input) {
    if (!deps.devMode || !deps.sandbox) throw new AppError('NOT_FOUND', 'no route POST /dev/bill/{date}');
    try {
      return { date: input.date, ...deps.sandbox.writeBill(input.date, input.tamper) };
    } catch (e) {
      throw new AppError('VALIDATION_FAILED', e instanceof Error ? e.message : 'the bill could not be written', { issues: [{ path: 'tamper.outTradeNo', message: 'no such line' }] });
    }
  },
});
