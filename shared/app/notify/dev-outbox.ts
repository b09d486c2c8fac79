import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { queryAll } from '#ports/item-store';
import { DEV_SINK_PARTITION } from '#ports/message-sender';

/**
 * GET /dev/outbox (local stage only): what the notification sink has "sent", oldest first,
 * exactly as it would have gone to WeChat. `touser` narrows it to one recipient.
 * Any signed-in caller; elsewhere the route does not exist (NOT_FOUND).
 */
export const devOutboxCommand = defineCommand({
  name: 'dev.outbox',
  roles: ['customer'],
  input: z.object({ touser: z.optional(z.string().check(z.minLength(1), z.maxLength(128))) }),
  http: { method: 'GET', path: '/dev/outbox' },
  async run({ deps }, input) {
    if (!deps.devMode) throw new AppError('NOT_FOUND', 'no route GET /dev/outbox');
    const items = await queryAll(deps.store, { pk: DEV_SINK_PARTITION, consistent: true });
    return items
      .filter((it) => input.touser === undefined || it.touser === input.touser)
      .map((it) => ({ touser: it.touser, templateId: it.templateId, page: it.page, data: it.data, sentAt: it.sentAt }));
  },
});
