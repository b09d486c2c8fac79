import * as z from 'zod/mini';
import { queryNumber } from '#platform/schema';
import { defineCommand, type Command, type Job } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { MESSAGE_AUDIENCE, MESSAGE_KEYS } from '#domain/messages';
import { drainOutbox } from './drain.ts';
import { listDeadLetters, retryDeadLetter } from './dead-letters.ts';
import { recordChoice, type SubscribeChoice } from './quota.ts';

/** GET /notify/templates: the template ids the mini-program asks `wx.requestSubscribeMessage` for, by audience. */
export const templatesCommand = defineCommand({
  name: 'notify.templates',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/notify/templates' },
  async run({ deps }) {
    return MESSAGE_KEYS.flatMap((key) => {
      const templateId = deps.templates[key];
      return templateId ? [{ key, templateId, audience: MESSAGE_AUDIENCE[key] }] : [];
    });
  },
});

const CHOICES = new Set(['accept', 'reject', 'ban']);

/**
 * POST /notify/subscriptions: records the answers of `wx.requestSubscribeMessage` (the whole
 * result object may be passed: `errMsg` and template ids not configured here are ignored;
 * WeChat's `filter` changes nothing). Steps:
 *   1. keep the answers for configured template ids; any other answer than accept / reject /
 *      ban / filter is VALIDATION_FAILED;
 *   2. accept adds one send, ban sets the counter to 0, reject and filter leave it;
 *   3. answer the caller's quota of each configured template in the request.
 */
export const subscribeCommand = defineCommand({
  name: 'notify.subscribe',
  roles: ['customer'],
  input: z.object({ results: z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(64))) }),
  http: { method: 'POST', path: '/notify/subscriptions' },
  async run(ctx, input) {
    const { userId } = userOf(ctx);
    const known = new Set(Object.values(ctx.deps.templates));
    const answers = Object.entries(input.results).filter(([templateId]) => known.has(templateId));
    const issues = answers
      .filter(([, choice]) => !CHOICES.has(choice) && choice !== 'filter')
      .map(([templateId]) => ({ path: `results.${templateId}`, message: 'expected "accept", "reject" or "ban"' }));
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues });
    const counts = await Promise.all(
      answers.map(([templateId, choice]) => recordChoice(ctx.deps, userId, templateId, CHOICES.has(choice) ? (choice as SubscribeChoice) : 'reject')),
    );
    return { quota: Object.fromEntries(answers.map(([templateId], i) => [templateId, counts[i]!])) };
  },
});

/** GET /admin/notify/dead-letters: messages that could not be sent, newest first, with their last error. */
export const deadLettersCommand = defineCommand({
  name: 'notify.deadLetters',
  roles: ['owner', 'operations'],
  input: z.object({
    limit: z.optional(z.pipe(queryNumber(), z.int().check(z.minimum(1), z.maximum(100)))),
    cursor: z.optional(z.string().check(z.maxLength(1024))),
  }),
  http: { method: 'GET', path: '/admin/notify/dead-letters' },
  run: ({ deps }, input) => listDeadLetters(deps, { limit: input.limit ?? 50, ...(input.cursor ? { cursor: input.cursor } : {}) }),
});

/** POST /admin/notify/dead-letters/{id}/retry: back to the queue, due now, attempts reset. */
export const retryDeadLetterCommand = defineCommand({
  name: 'notify.retryDeadLetter',
  roles: ['owner', 'operations'],
  // Outbox ids are derived from their dedupe key (`cutoff#l-1#2026-11-24`), see outbox.ts.
  input: z.object({ id: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9_#:.-]+$/)) }),
  http: { method: 'POST', path: '/admin/notify/dead-letters/{id}/retry' },
  run: ({ deps }, input) => retryDeadLetter(deps, input.id),
});

/** Every minute on both clouds (and POST /admin/jobs/notify/run): drains the outbox; `part`: a shard of a fanned-out drain (drain.ts). */
export const notifyJob: Job = { name: 'notify', run: (deps, input) => drainOutbox(deps, input.part ? { part: input.part } : {}) };

export const notifyCommands: Command<any, any>[] = [templatesCommand, subscribeCommand, deadLettersCommand, retryDeadLetterCommand];
