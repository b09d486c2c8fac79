import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { queryAll } from '#ports/item-store';
import { DEV_SMS_PARTITION } from '#ports/sms';

/**
 * GET /dev/sms (local stage only): what the SMS sink has "sent", oldest first — the phone in
 * full, only here. `phone` narrows it to one number. Elsewhere the route does not exist.
 */
export const devSmsCommand = defineCommand({
  name: 'dev.sms',
  roles: ['customer'],
  input: z.object({ phone: z.optional(z.string().check(z.regex(/^\d{11}$/, 'expected 11 digits'))) }),
  http: { method: 'GET', path: '/dev/sms' },
  async run({ deps }, input) {
    if (!deps.devMode) throw new AppError('NOT_FOUND', 'no route GET /dev/sms');
    const items = await queryAll(deps.store, { pk: DEV_SMS_PARTITION, consistent: true });
    return items
      .filter((it) => input.phone === undefined || it.phone === input.phone)
      .map((it) => ({ phone: String(it.phone), template: String(it.template), params: (it.params as string[]) ?? [], sentAt: String(it.sentAt) }));
  },
});
