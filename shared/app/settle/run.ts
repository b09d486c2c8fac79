import { performance } from 'node:perf_hooks';
import { buildStatement, tierBonus, type SettlementSettings, type StatementBonus } from '#domain/commission';
import { firstFullWeek, newLeaderAward, referralAward, rankingBonus, type RankingAward } from '#domain/leader-awards';
import { businessDateOf, monthRange, periodOf, periodWindow, toMillis, type PeriodKind } from '#domain/settlement-period';
import { entriesIn, lastDueEnd, lastInstantOf, netSalesFen, periodParts, periodsToSettle, pickedUpOrders } from '#domain/settlement-plan';
import { toBizIso } from '#domain/time';
import { queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { Job } from '#app/command';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { afterStatement, heldOf, stillHeld, type LedgerEntry } from '../ledger.ts';
import { outboxOp } from '../outbox.ts';
import { financeDayOp } from './finance.ts';
import { settleKeys } from './keys.ts';
import { allLeaders, entryFromItem, type LeaderRecord } from './leaders.ts';
import { runMonthlyReview, type MonthlyResult } from './monthly.ts';
import { forEachLimit } from '../concurrency.ts';
import { settlementSettingsOf } from './settings.ts';
import { canFanOut, fanOutOf, parsePart, partCount, partOf, runParts } from '../jobs/parts.ts';
import { statementWriteOps } from './statements.ts';

/** Leaders settled at once: fast over 10,000 leaders without flooding the store. */
export const SETTLE_CONCURRENCY = 16;
const BALANCE_BATCH = 100;

/** One settle run, shared by every leader's settlement. */
export interface SettleRun {
  deps: Deps;
  settings: SettlementSettings;
  kind: PeriodKind;
  now: number;
  /** The run's time and business date (statements' settledAt, finance day). */
  settledAt: string;
  today: string;
  /** Everything stamped before this is due (end of the latest period whose settle time has come). */
  readTo: string;
  referrals: Map<string, LeaderRecord[]>;
  /** Ranking awards per month (`YYYY-MM`), as stored by the monthly review. */
  rankings: Map<string, RankingAward[]>;
}

export interface WrittenStatement {
  leaderId: string;
  period: string;
  totalFen: number;
}

export interface SettleResult {
  now: string;
  settlementPeriod: PeriodKind;
  settledUntil: string;
  leaders: number;
  statements: number;
  totalFen: number;
  periods: string[];
  failed: { leaderId: string; error: string }[];
  monthly?: MonthlyResult;
  /** A part of a fanned-out run (../jobs/parts.ts): which (its totals are merged by the coordinator). */
  part?: string;
}

/**
 * The settle job (daily 02:00 Asia/Shanghai; API.md "Scheduled jobs"). Steps:
 * 1. list every leader (GSI1 `T#leader`);
 * 2. in the first days of a month, rank and review the past month once (monthly.ts);
 * 3. per leader (bounded concurrency), settle every due period after the leader's watermark
 *    (`settledUntil` on the balance item): one transaction per statement. More leaders than
 *    one instance settles (FanOutSizing.settleLeaders) are settled by parts in other instances
 *    (../jobs/parts.ts): part `i/n` holds the leaders whose id hashes to `i`; their results
 *    are merged here, and a part that failed is settled here.
 * What is due comes from the data and the clock, so a missed night is caught up, and a second
 * run (or two at once, or a part run twice) writes nothing new.
 */
export async function runSettlement(deps: Deps, options: { part?: string; budgetMs?: number } = {}): Promise<SettleResult> {
  const started = performance.now();
  const inBudget = () => performance.now() - started < (options.budgetMs ?? COORDINATOR_BUDGET_MS);
  const settings = settlementSettingsOf(deps);
  const kind = settings.settlementPeriod;
  const now = deps.clock.now();
  const everyone = await allLeaders(deps);
  const part = options.part ? parsePart(options.part) : undefined;
  // The month's review is the coordinator's (once, before any part starts); parts read its rankings.
  const monthly = part ? undefined : await runMonthlyReview(deps, settings, everyone, now);
  const run: SettleRun = {
    deps,
    settings,
    kind,
    now,
    settledAt: toBizIso(now),
    today: businessDateOf(now),
    readTo: lastDueEnd(kind, now, settings.settleHour),
    referrals: referralsOf(everyone),
    rankings: await storedRankings(deps),
  };
  const sizing = fanOutOf(deps);
  const inPart = (count: number, indexes: readonly number[]) => everyone.filter((l) => indexes.includes(partOf(l.id, count)));

  const written: WrittenStatement[] = [];
  const failed: SettleResult['failed'] = [];
  // The totals of parts run elsewhere, merged with what this run wrote.
  const merged = { statements: 0, totalFen: 0, periods: new Set<string>() };
  if (part) {
    const mine = await settleLeaders(run, inPart(part.count, [part.index]));
    written.push(...mine.written);
    failed.push(...mine.failed);
  } else if (canFanOut(deps) && everyone.length > sizing.settleLeaders) {
    const count = partCount(everyone.length, sizing.settleLeaders, sizing.maxParts);
    const parts = await runParts(deps, { job: 'settle', fn: 'settle', count, by: 'settle' }, isSettleResult, inBudget);
    for (const { result } of parts.done) {
      merged.statements += result.statements;
      merged.totalFen += result.totalFen;
      result.periods.forEach((p) => merged.periods.add(p));
      failed.push(...result.failed);
    }
    if (parts.failed.length && inBudget()) {
      // Settled here instead: what the failed part wrote is found settled (its watermarks moved).
      logger.warn('settle parts failed; settling their leaders here', { failedParts: parts.failed.length });
      const here = await settleLeaders(run, inPart(count, parts.failed));
      written.push(...here.written);
      failed.push(...here.failed);
    } else if (parts.failed.length) {
      // Out of time: recorded as failed, so the heartbeat records nothing and the next beat settles them.
      failed.push(...parts.failed.map((i) => ({ leaderId: `part ${i}/${count}`, error: 'part did not finish' })));
    }
  } else {
    const all = await settleLeaders(run, everyone);
    written.push(...all.written);
    failed.push(...all.failed);
  }
  const result: SettleResult = {
    now: toBizIso(now),
    settlementPeriod: kind,
    settledUntil: run.readTo,
    leaders: part ? inPart(part.count, [part.index]).length : everyone.length,
    statements: merged.statements + written.length,
    totalFen: merged.totalFen + written.reduce((a, w) => a + w.totalFen, 0),
    periods: [...new Set([...merged.periods, ...written.map((w) => w.period)])].sort(),
    failed,
    ...(monthly ? { monthly } : {}),
    ...(part ? { part: options.part! } : {}),
  };
  logger.info('settle run done', { statements: result.statements, failed: failed.length, leaders: result.leaders, ...(part ? { part: options.part } : {}) });
  return result;
}

/** How long a coordinating settle run waits for its parts (the settle function's timeout is 15 minutes). */
const COORDINATOR_BUDGET_MS = 12 * 60_000;

const isSettleResult = (r: unknown): r is SettleResult => {
  const x = r as Partial<SettleResult> | null;
  return typeof x?.statements === 'number' && typeof x.totalFen === 'number' && Array.isArray(x.periods) && Array.isArray(x.failed);
};

/** Settles `leaders` (bounded concurrency, balances read 100 at a time); a leader that fails is reported, the others go on. */
async function settleLeaders(run: SettleRun, leaders: readonly LeaderRecord[]): Promise<{ written: WrittenStatement[]; failed: SettleResult['failed'] }> {
  const { deps } = run;
  const balances = new Map<number, Promise<Map<string, Item>>>();
  const balanceOf = async (index: number, leaderId: string) => {
    const chunk = Math.floor(index / BALANCE_BATCH);
    let p = balances.get(chunk);
    if (!p) {
      const ids = leaders.slice(chunk * BALANCE_BATCH, (chunk + 1) * BALANCE_BATCH).map((l) => l.id);
      p = deps.store.getMany(ids.map((id) => keys.leaderBalance(id))).then((items) => new Map(items.map((i) => [String(i.pk), i])));
      balances.set(chunk, p);
    }
    return (await p).get(keys.leaderBalance(leaderId).pk);
  };

  const written: WrittenStatement[] = [];
  const failed: SettleResult['failed'] = [];
  await forEachLimit(leaders, SETTLE_CONCURRENCY, async (leader, i) => {
    try {
      written.push(...(await settleLeader(run, leader, await balanceOf(i, leader.id))));
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      logger.error('leader not settled', { leaderId: leader.id, error });
      failed.push({ leaderId: leader.id, error });
    }
  });
  return { written, failed };
}

/** POST /admin/jobs/settle/run and the parts of a fanned-out run (`part`). */
export const settleJob: Job = { name: 'settle', run: (deps, input) => runSettlement(deps, input.part ? { part: input.part } : {}) };

function referralsOf(leaders: readonly LeaderRecord[]): Map<string, LeaderRecord[]> {
  const map = new Map<string, LeaderRecord[]>();
  for (const l of leaders) {
    if (!l.referredBy) continue;
    const list = map.get(l.referredBy) ?? [];
    list.push(l);
    map.set(l.referredBy, list);
  }
  return map;
}

async function storedRankings(deps: Deps): Promise<Map<string, RankingAward[]>> {
  const items = await queryAll(deps.store, settleKeys.months());
  return new Map(items.map((i) => [String(i.month), (i.awards as RankingAward[]) ?? []]));
}

async function entriesBetween(deps: Deps, leaderId: string, from: string | undefined, to: string): Promise<LedgerEntry[]> {
  const items = await queryAll(deps.store, { ...settleKeys.entriesBetween(leaderId, from, to), consistent: true });
  const fromMs = from ? toMillis(from) : -Infinity;
  const toMs = toMillis(to);
  return items.map(entryFromItem).filter((e) => {
    const at = toMillis(e.at);
    return at >= fromMs && at < toMs;
  });
}

/** An award that falls due at an instant; decided when its statement is built. */
interface PendingBonus {
  at: number;
  decide(): Promise<StatementBonus | null>;
}

/**
 * Settles one leader: every due period after the watermark, oldest first, one transaction
 * each (statement + balance move + push + finance counter). A period gets a statement when it
 * holds an entry or an award; an empty period writes nothing (the next statement covers it).
 * Stops at the first transaction another run won.
 */
export async function settleLeader(run: SettleRun, leader: LeaderRecord, balance: Item | undefined): Promise<WrittenStatement[]> {
  const { deps, kind, settings } = run;
  const watermark = balance?.settledUntil ? String(balance.settledUntil) : undefined;
  const fromMs = watermark ? toMillis(watermark) : -Infinity;
  const readToMs = toMillis(run.readTo);
  if (fromMs >= readToMs) return [];

  const entries = await entriesBetween(deps, leader.id, watermark, run.readTo);
  const inWindow = (t: number) => t >= fromMs && t < readToMs;
  const bonuses = pendingBonuses(run, leader, entries, fromMs).filter((b) => inWindow(b.at));
  const periods = periodsToSettle(
    kind,
    entries,
    bonuses.map((b) => b.at),
  );

  const written: WrittenStatement[] = [];
  let covered = watermark;
  let held = heldOf(balance);
  for (const { period, entries: own } of periods) {
    const { end } = periodWindow(kind, period);
    const parts = periodParts(own);
    const tier = tierBonus(settings, netSalesFen(own));
    const awards = await Promise.all(bonuses.filter((b) => periodOf(kind, b.at) === period).map((b) => b.decide()));
    const all = [tier, ...awards].filter((b): b is StatementBonus => b !== null);
    if (own.length === 0 && all.length === 0) continue;

    const statement = buildStatement({ leaderId: leader.id, period, lines: parts.lines, adjustments: parts.adjustments, bonuses: all });
    if (statement.commissionFen !== parts.commissionEntriesFen) {
      throw new RangeError(`${period}: commission entries add up to ${parts.commissionEntriesFen}, their lines to ${statement.commissionFen}`);
    }
    // The statement's total moves into the balance with the debt rule (ledger.ts afterStatement),
    // conditioned on what the balance held when read; a withdrawal meanwhile means read again.
    let next = afterStatement(held, statement.totalFen);
    for (let attempt = 1; ; attempt++) {
      next = afterStatement(held, statement.totalFen);
      const ops: WriteOp[] = [
        ...statementWriteOps(statement, { leaderName: leader.name, communityId: leader.communityId, ...(covered ? { from: covered } : {}), to: end, settledAt: run.settledAt }),
        {
          type: 'update',
          key: keys.leaderBalance(leader.id),
          update: {
            // The entries leave pending; the whole total (awards included) goes to available, debt first.
            inc: { pendingFen: 0 - parts.entriesNetFen },
            set: { settledUntil: end, lastSettledPeriod: period, availableFen: next.availableFen, debtFen: next.debtFen },
            setIfAbsent: { withdrawnFen: 0, reservedFen: 0, leaderId: leader.id },
          },
          when: [covered ? { op: 'eq', path: 'settledUntil', value: covered } : { op: 'attrNotExists', path: 'settledUntil' }, ...stillHeld(held)],
        },
        outboxOp(deps, {
          key: 'statement',
          touser: leader.openid,
          payload: { period, totalFen: statement.totalFen, availableFen: next.availableFen },
          dedupe: `stmt#${leader.id}#${period}`,
        }),
        financeDayOp(deps, run.today, { settledFen: statement.totalFen }, leader.id),
      ];
      try {
        await deps.store.transact(ops);
        break;
      } catch (e) {
        if (!(e instanceof TransactionCancelled && e.failedAt() >= 0)) throw e;
        const fresh = await deps.store.get(keys.leaderBalance(leader.id), { consistent: true });
        if ((fresh?.settledUntil ?? undefined) !== covered || attempt >= 5) {
          // Another run settled this leader meanwhile (statement exists or the watermark moved).
          logger.info('leader settled by another run', { leaderId: leader.id, period });
          return written;
        }
        held = heldOf(fresh); // the balance moved (a withdrawal): settle on what it holds now
      }
    }
    held = { ...next, read: next };
    written.push({ leaderId: leader.id, period, totalFen: statement.totalFen });
    covered = end;
  }
  return written;
}

/**
 * The awards that may fall in this leader's statements: the new-leader award and the referral
 * awards at the end of the (referred) leader's first full week, and ranking awards at the end
 * of a ranked month. Each is decided once, in the statement whose window holds its instant.
 */
function pendingBonuses(run: SettleRun, leader: LeaderRecord, entries: LedgerEntry[], fromMs: number): PendingBonus[] {
  const { deps, settings } = run;
  const out: PendingBonus[] = [];
  if (leader.createdAt) {
    const week = firstFullWeek(leader.createdAt);
    out.push({
      at: lastInstantOf(periodWindow('weekly', week).end),
      decide: async () => newLeaderAward(settings, { firstFullWeekOrders: await ordersOfWeek(deps, leader.id, week, entries, fromMs), week }),
    });
  }
  for (const referred of run.referrals.get(leader.id) ?? []) {
    if (!referred.createdAt) continue;
    const week = firstFullWeek(referred.createdAt);
    out.push({
      at: lastInstantOf(periodWindow('weekly', week).end),
      decide: async () =>
        referralAward(settings, { referredLeaderId: referred.id, firstFullWeekOrders: await ordersOfWeek(deps, referred.id, week), week }),
    });
  }
  for (const [month, awards] of run.rankings) {
    const award = awards.find((a) => a.leaderId === leader.id);
    if (award) out.push({ at: toMillis(monthRange(month).end), decide: async () => rankingBonus(award, month) });
  }
  return out;
}

/** Picked-up orders of a leader in an ISO week: from the entries at hand when they cover it, else read. */
async function ordersOfWeek(deps: Deps, leaderId: string, week: string, known?: LedgerEntry[], knownFromMs = Infinity): Promise<number> {
  const { start, end, startMs } = periodWindow('weekly', week);
  if (known && startMs >= knownFromMs) return pickedUpOrders(entriesIn(known, start, end));
  return pickedUpOrders(await entriesBetween(deps, leaderId, start, end));
}
