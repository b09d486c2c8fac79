import { toBizIso } from '#domain/time';
import { ConditionFailed, type Condition, type Item, type WriteOp } from '#ports/item-store';
import { failedGuard, guard } from '../guards.ts';
import type { OutgoingMessage, SendResult } from '#ports/message-sender';
import { isMessageKey, renderMessage, type MessageKey, type MessagePayload, type RenderedMessage } from '#domain/messages';
import { isAppError } from '#domain/errors';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { OUTBOX_SHARDS, outboxIndex, outboxKey, type OutboxEntry } from '../outbox.ts';
import { MAX_ATTEMPTS, outOfAttempts, retryDelayMs } from './backoff.ts';
import { QUEUE_INDEX_ATTRS, deadIndex, outboxPartition } from './keys.ts';
import { resetQuotaOp, returnQuotaOp, spendQuota } from './quota.ts';
import { canFanOut, fanOutOf, parsePart, runParts } from '../jobs/parts.ts';
import { attemptSms, isSmsEntry, smsFallbackOp } from '../sms/fallback.ts';
import { WEBHOOK_MAX_CLAIMS, attemptWebhook, isWebhookEntry } from '../webhooks/deliver.ts';

/**
 * The notify job (DESIGN.md §8): drains every due outbox entry. Steps per entry:
 *   1. claim it with a conditional write (pending → sending, or a sending entry whose lease ran
 *      out), so two concurrent runs never send one message twice;
 *   2. render it with the template id configured for its key;
 *   3. spend one quota of (recipient, template), or mark it `skipped_no_quota`;
 *   4. send it, then mark it sent / skipped (43101) / rescheduled with backoff / dead-lettered,
 *      each conditioned on still holding the claim.
 */

/**
 * How long a claim holds. Longer than the notify function's timeout (60 s), so a live run never
 * loses an entry it is sending; a crashed run's claims become claimable again after it.
 */
export const LEASE_MS = 2 * 60_000;
/** Sent and skipped entries are kept this long for support, then DynamoDB TTL removes them. */
export const DONE_RETENTION_DAYS = 30;

export interface DrainOptions {
  /** Entries in flight at once, across all shards (default 32). */
  concurrency?: number;
  /** Entries read per page and shard (default 100). */
  pageSize?: number;
  /** Wall-clock budget after which no new entry is claimed; the next run goes on (default 45 s). */
  budgetMs?: number;
  /** Jitter source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
  /**
   * A part of a fanned-out drain (../jobs/parts.ts), `<index>/<count>`: only the outbox shards
   * `s` with `s % count === index` (one shard per part when count is OUTBOX_SHARDS).
   */
  part?: string;
}

export interface DrainSummary {
  /** Due entries read from the queue. */
  seen: number;
  /** Entries this run claimed (the rest were taken by another run or were stale reads). */
  claimed: number;
  sent: number;
  skipped: number;
  retried: number;
  dead: number;
  /** Claims lost before the outcome was written (another run took the entry after the lease). */
  lost: number;
  /** Entries left claimed by an unexpected error; they are tried again after the lease. */
  errors: number;
}

/** A claimed entry; `attempt` (its attempts counter after the claim) fences every later write. */
interface Claim {
  entry: OutboxEntry;
  attempt: number;
}

/** `ops`: more writes of the outcome's transaction (the SMS fallback of a skipped push, an SMS's counters and finance). */
type Outcome = (
  | { kind: 'sent' }
  | { kind: 'skipped'; reason: string; resetQuota?: { touser: string; templateId: string } }
  | { kind: 'retry'; error: string; returnQuota?: { touser: string; templateId: string } }
  | { kind: 'dead'; error: string; returnQuota?: { touser: string; templateId: string } }
) & { ops?: WriteOp[] };

const fallbackOps = async (deps: Deps, entry: OutboxEntry): Promise<WriteOp[]> => {
  const op = await smsFallbackOp(deps, entry);
  return op ? [op] : [];
};

/**
 * Drains the outbox. When the due backlog of a shard is more than one run drains within its
 * budget (FanOutSizing.notifyBacklog over the shards), the run coordinates instead: one part per
 * shard runs in another instance (../jobs/parts.ts), their summaries are merged, and the shards
 * of parts that failed are drained here with the time left. Every entry is claimed with a
 * conditional write, so parts, this run and the next minute's run never send one twice.
 */
export async function drainOutbox(deps: Deps, options: DrainOptions = {}): Promise<DrainSummary> {
  const started = performance.now();
  const budgetMs = options.budgetMs ?? 45_000;
  if (options.part) {
    const { index, count } = parsePart(options.part);
    return drainShards(deps, options, shardsOfPart(index, count), started);
  }
  const all = Array.from({ length: OUTBOX_SHARDS }, (_, s) => s);
  if (!canFanOut(deps) || !(await backlogged(deps, fanOutOf(deps).notifyBacklog))) return drainShards(deps, options, all, started);

  const inBudget = () => performance.now() - started < budgetMs;
  const parts = await runParts(deps, { job: 'notify', fn: 'notify', count: OUTBOX_SHARDS, by: 'notify' }, isDrainSummary, inBudget);
  const summary = emptySummary();
  for (const { result } of parts.done) addTo(summary, result);
  const left = parts.failed.flatMap((i) => shardsOfPart(i, OUTBOX_SHARDS));
  if (left.length && inBudget()) {
    logger.warn('notify parts failed; draining their shards here', { shards: left });
    addTo(summary, await drainShards(deps, options, left, started));
  }
  logger.info('notify: drained by parts', { parts: OUTBOX_SHARDS, failedParts: parts.failed.length, ...summary });
  return summary;
}

/** How long a part drains (the coordinator waits up to its own 45 s, so it sees the parts end). */
export const PART_BUDGET_MS = 38_000;

const emptySummary = (): DrainSummary => ({ seen: 0, claimed: 0, sent: 0, skipped: 0, retried: 0, dead: 0, lost: 0, errors: 0 });

function addTo(sum: DrainSummary, part: DrainSummary): void {
  for (const k of Object.keys(sum) as (keyof DrainSummary)[]) sum[k] += part[k];
}

const isDrainSummary = (r: unknown): r is DrainSummary => typeof (r as Partial<DrainSummary> | null)?.claimed === 'number' && typeof (r as DrainSummary).sent === 'number';

const shardsOfPart = (index: number, count: number) => Array.from({ length: OUTBOX_SHARDS }, (_, s) => s).filter((s) => s % count === index);

/** Whether some shard has more due entries than its share of `backlog` (one page of at most that share + 1 per shard). */
async function backlogged(deps: Deps, backlog: number): Promise<boolean> {
  const share = Math.ceil(backlog / OUTBOX_SHARDS);
  const to = `${toBizIso(deps.clock.now())}#\uffff`;
  const pages = await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, s) => deps.store.query({ index: 'gsi2', pk: outboxPartition(s), to, limit: share + 1 })));
  return pages.some((p) => p.items.length > share);
}

async function drainShards(deps: Deps, options: DrainOptions, shards: number[], started: number): Promise<DrainSummary> {
  const { concurrency = 32, pageSize = 100, random = Math.random } = options;
  const budgetMs = options.budgetMs ?? (options.part ? PART_BUDGET_MS : 45_000);
  const summary = emptySummary();
  const queue = dueEntries(deps, toBizIso(deps.clock.now()), pageSize, shards);
  const worker = async () => {
    while (performance.now() - started < budgetMs) {
      const next = await queue.next();
      if (next.done) return;
      summary.seen++;
      try {
        await deliver(deps, next.value, random, summary);
      } catch (e) {
        summary.errors++;
        logger.error('notify: entry left claimed', { id: String(next.value.id), error: e instanceof Error ? e.name : 'unknown' });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await queue.return(undefined);
  if (summary.claimed > 0 || summary.errors > 0) logger.info('notify: drained', { ...summary, ...(options.part ? { part: options.part } : {}) });
  return summary;
}

/**
 * Due entries of every shard, pages of all shards read together and interleaved. Claimed
 * entries move out of the range (their sort key becomes the lease end), so paging on is safe.
 */
async function* dueEntries(deps: Deps, nowIso: string, pageSize: number, shards: readonly number[]): AsyncGenerator<Item, void, undefined> {
  const to = `${nowIso}#\uffff`;
  let open: { shard: number; cursor?: string }[] = shards.map((shard) => ({ shard }));
  while (open.length > 0) {
    const pages = await Promise.all(
      open.map((s) => deps.store.query({ index: 'gsi2', pk: outboxPartition(s.shard), to, limit: pageSize, cursor: s.cursor })),
    );
    open = open.flatMap((s, i) => (pages[i]!.cursor ? [{ shard: s.shard, cursor: pages[i]!.cursor }] : []));
    const longest = Math.max(...pages.map((p) => p.items.length));
    for (let i = 0; i < longest; i++) for (const p of pages) if (i < p.items.length) yield p.items[i]!;
  }
}

async function deliver(deps: Deps, item: Item, random: () => number, summary: DrainSummary): Promise<void> {
  const claim = await claimEntry(deps, item);
  if (!claim) return;
  summary.claimed++;
  // Claimed again and again without an outcome (the run dies while sending it): stop trying.
  const outcome: Outcome =
    claim.attempt > (isWebhookEntry(claim.entry as { channel?: unknown }) ? WEBHOOK_MAX_CLAIMS : MAX_ATTEMPTS)
      ? { kind: 'dead', error: `claimed ${claim.attempt} times without an outcome${claim.entry.lastError ? `; last error: ${claim.entry.lastError}` : ''}` }
      : await attempt(deps, claim.entry);
  const written = await finish(deps, claim, outcome, random);
  if (!written) summary.lost++;
  else if (written === 'sent') summary.sent++;
  else if (written === 'skipped') summary.skipped++;
  else if (written === 'retry') summary.retried++;
  else summary.dead++;
}

/**
 * Takes the entry if it is still as read: pending and due, or sending with a lapsed lease, and
 * with the same attempts counter (which the claim increments, so of two runs racing for one
 * lapsed lease only the first wins).
 */
async function claimEntry(deps: Deps, item: Item): Promise<Claim | undefined> {
  const id = String(item.id);
  const attempts = Number(item.attempts ?? 0);
  const now = deps.clock.now();
  const nowIso = toBizIso(now);
  const claimedUntil = toBizIso(now + LEASE_MS);
  try {
    const after = await deps.store.write({
      type: 'update',
      key: outboxKey(id),
      // Parked at the lease's end in the queue: invisible to other runs until it lapses.
      update: { set: { status: 'sending', attempts: attempts + 1, claimedUntil, gsi2sk: outboxIndex(id, claimedUntil).gsi2sk } },
      when: [
        { op: 'in', path: 'status', values: ['pending', 'sending'] },
        { op: 'or', conditions: [{ op: 'eq', path: 'status', value: 'pending' }, { op: 'lte', path: 'claimedUntil', value: nowIso }] },
        { op: 'eq', path: 'attempts', value: attempts },
        { op: 'lte', path: 'dueAt', value: nowIso },
      ],
    });
    return { entry: after as unknown as OutboxEntry, attempt: attempts + 1 };
  } catch (e) {
    if (e instanceof ConditionFailed) return undefined;
    throw e;
  }
}

/** Renders, spends quota and sends; says what became of the entry (nothing written yet but the quota). */
async function attempt(deps: Deps, entry: OutboxEntry): Promise<Outcome> {
  if (isSmsEntry(entry as { channel?: unknown })) return attemptSms(deps, entry);
  // Webhooks: retried until 24 h after the event (their own limit), not MAX_ATTEMPTS.
  if (isWebhookEntry(entry as { channel?: unknown })) return attemptWebhook(deps, entry);
  if (!isMessageKey(entry.key)) return { kind: 'dead', error: `unknown message key ${String(entry.key)}` };
  const templateId = deps.templates[entry.key];
  if (!templateId) return { kind: 'dead', error: `no template id configured for ${entry.key}` };
  let rendered: RenderedMessage;
  try {
    rendered = renderMessage(entry.key as MessageKey, entry.payload as MessagePayload<MessageKey>);
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { kind: 'dead', error: `${e.message} ${JSON.stringify(e.details?.issues ?? [])}` };
  }
  const recipient = { touser: entry.touser, templateId };
  // No quota: the skip also queues the notice's one SMS (shared/app/sms/fallback.ts), when one is due.
  if (!(await spendQuota(deps, entry.touser, templateId))) return { kind: 'skipped', reason: 'no quota', ops: await fallbackOps(deps, entry) };
  const result = await sendSafely(deps, { touser: entry.touser, templateId, page: rendered.page, data: rendered.data });
  switch (result.status) {
    case 'sent':
      return { kind: 'sent' };
    case 'no_quota':
      return { kind: 'skipped', reason: result.message, resetQuota: recipient, ops: await fallbackOps(deps, entry) };
    // The push did not go out, so the user's send is given back (a staff retry may use it).
    case 'retry':
      return { kind: 'retry', error: result.message, returnQuota: recipient };
    case 'failed':
      return { kind: 'dead', error: result.message, returnQuota: recipient };
  }
}

/** A sender that throws is treated as a transient failure; its message is not stored (it may hold secrets). */
async function sendSafely(deps: Deps, message: OutgoingMessage): Promise<SendResult> {
  try {
    return await deps.sender.send(message);
  } catch (e) {
    return { status: 'retry', message: `sender error: ${e instanceof Error ? e.name : 'unknown'}` };
  }
}

/** Writes the outcome (with its quota change) if the claim still holds; false when it was lost. */
async function finish(deps: Deps, claim: Claim, outcome: Outcome, random: () => number): Promise<Outcome['kind'] | false> {
  const { entry, attempt: n } = claim;
  const now = deps.clock.now();
  const at = toBizIso(now);
  const mine: Condition[] = [
    { op: 'eq', path: 'status', value: 'sending' },
    { op: 'eq', path: 'attempts', value: n },
  ];
  const done = (set: Record<string, unknown>, quota?: WriteOp) => ({
    entry: {
      type: 'update' as const,
      key: outboxKey(entry.id),
      update: { set: { ...set, expiresAt: Math.floor(now / 1000) + DONE_RETENTION_DAYS * 86_400 }, remove: [...QUEUE_INDEX_ATTRS, 'claimedUntil'] },
      when: mine,
    },
    quota,
  });
  const dead = (error: string, quota?: WriteOp) => ({
    entry: {
      type: 'update' as const,
      key: outboxKey(entry.id),
      update: { set: { status: 'dead', lastError: error, deadAt: at, ...deadIndex(at, entry.id) }, remove: [...QUEUE_INDEX_ATTRS, 'claimedUntil'] },
      when: mine,
    },
    quota,
  });

  let kind = outcome.kind;
  let write: { entry: WriteOp; quota?: WriteOp | undefined };
  switch (outcome.kind) {
    case 'sent':
      write = done({ status: 'sent', sentAt: at });
      break;
    case 'skipped':
      write = done(
        { status: 'skipped_no_quota', skippedAt: at, lastError: outcome.reason },
        outcome.resetQuota && resetQuotaOp(outcome.resetQuota.touser, outcome.resetQuota.templateId, at),
      );
      break;
    case 'dead':
      write = dead(outcome.error, outcome.returnQuota && returnQuotaOp(outcome.returnQuota.touser, outcome.returnQuota.templateId));
      break;
    case 'retry': {
      const quota = outcome.returnQuota && returnQuotaOp(outcome.returnQuota.touser, outcome.returnQuota.templateId);
      if (outOfAttempts(n) && !isWebhookEntry(entry as { channel?: unknown })) {
        kind = 'dead';
        write = dead(`${outcome.error} (gave up after ${n} attempts)`, quota);
        break;
      }
      const dueAt = toBizIso(now + retryDelayMs(n, random()));
      write = {
        entry: {
          type: 'update',
          key: outboxKey(entry.id),
          update: { set: { status: 'pending', dueAt, lastError: outcome.error, ...outboxIndex(entry.id, dueAt) }, remove: ['claimedUntil'] },
          when: mine,
        },
        quota,
      };
      break;
    }
  }
  const extra = [...(write.quota ? [write.quota] : []), ...(outcome.ops ?? [])];
  return (await writeIfClaimed(deps, write.entry, extra)) ? kind : false;
}

async function writeIfClaimed(deps: Deps, entry: WriteOp, extra: WriteOp[]): Promise<boolean> {
  const ops = [guard('claim', entry), ...extra];
  try {
    if (extra.length) await deps.store.transact(ops);
    else await deps.store.write(entry);
    return true;
  } catch (e) {
    if (e instanceof ConditionFailed) return false;
    const failed = failedGuard(e, ops);
    if (failed === 'claim') return false;
    // The order's SMS of this kind was queued before (at most one per order and kind): the skip alone.
    if (failed === 'sms') {
      const queued = ops[(e as { failedAt(): number }).failedAt()];
      return writeIfClaimed(deps, entry, extra.filter((op) => op !== queued));
    }
    throw e;
  }
}
