/**
 * Every command as a CloudBase action, fuzzed in process through the real entry
 * (shared/platform/cloudbase.ts createCloudMain) with the DynamoDB Local deps of the HTTP fuzz:
 * `{ action, ...input }` events with schema-derived and hostile data, forged `userInfo`,
 * junk actions and non-object events, from staff, a customer, a leader, a new openid or none.
 * No answer is ever INTERNAL or a thrown invocation, and a refused call changes nothing in the
 * table (a full Scan whenever the call sent a write; rate-limit counters aside).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCloudMain, type CloudResult } from '#platform/cloudbase';
import { ALL_COMMANDS, diff, fuzzInputOf, hostile, makeFuzzWorld, snapshot, type FuzzWorld } from '#test/fuzz';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

let w: FuzzWorld;
let state: Map<string, string>;
const stats = new Map<string, Record<string, number>>();

beforeAll(async () => {
  w = await makeFuzzWorld();
  state = await snapshot(w);
});

/** The caller's OPENID as the WeChat context gives it: a known user, a new one, or none. */
const openidFor = (command: { roles: string[] | 'public' }): fc.Arbitrary<string | undefined> => {
  const roleIds: Record<string, string> = { staff: 'staff-1', leader: 'demo-leader-jingan', customer: 'o-fuzz-customer' };
  const allowed = command.roles === 'public' ? Object.values(roleIds) : command.roles.map((r) => roleIds[r]!);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...allowed) },
    { weight: 2, arbitrary: fc.constantFrom<string | undefined>('staff-1', 'o-fuzz-customer', 'demo-leader-jingan', undefined, '') },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  );
};

/** What a client can put in `data` besides the input: the action name (or a wrong one), forged identity. */
const actionFor = (name: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(name.slice(name.indexOf('.') + 1)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(name, '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', undefined, null, 7, ['place'], { toString: 'x' }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

const extras = fc.oneof(
  fc.constant({}),
  fc.constant({ userInfo: { openId: 'staff-1', appId: 'wx-forged' } }),
  fc.constant({ Type: 'Timer', TriggerName: 'cutoff' }),
  fc.constant({ OPENID: 'staff-1', FROM_OPENID: 'staff-1' }),
);

describe('fuzzing every command as a CloudBase action: never INTERNAL, nothing changed on refusal', () => {
  it('covers every command', () => {
    expect(ALL_COMMANDS.length).toBeGreaterThan(40);
  });

  it.each(ALL_COMMANDS.map(({ mod, command }) => [command.name, mod, command] as const))('%s', async (_name, mod, command) => {
    let openid: string | undefined;
    const main = createCloudMain(mod, async () => w.deps, () => openid);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 9, arbitrary: fc.tuple(fuzzInputOf(command), actionFor(command.name), extras) },
          { weight: 1, arbitrary: hostile.map((event) => [event, undefined, undefined] as const) },
        ),
        openidFor(command),
        async ([input, action, extra], who) => {
          let event =
            extra === undefined
              ? input
              : { ...(input && typeof input === 'object' && !Array.isArray(input) ? (input as object) : { data: input }), ...extra, action };
          // Without an OPENID the caller is a server, never a mini-program: keep it an action call
          // (a timer or cloudPay event without a caller is the platform's own, and runs as such).
          if (!who && event && typeof event === 'object' && !Array.isArray(event)) {
            const { Type: _type, ...rest } = event as Record<string, unknown>;
            event = { action: undefined, ...rest };
          }
          openid = who;
          const writesBefore = w.writes();
          let result: CloudResult;
          try {
            result = await main(event, {});
          } catch (e) {
            throw new Error(`${command.name}: the invocation threw ${String(e)}`);
          }
          const code = result.ok ? 'ok' : result.error.code;
          const row = stats.get(command.name) ?? {};
          row[code] = (row[code] ?? 0) + 1;
          stats.set(command.name, row);
          expect(code, `${command.name} → ${JSON.stringify(result).slice(0, 300)}`).not.toBe('INTERNAL');
          if (w.writes() === writesBefore) return;
          const after = await snapshot(w);
          const changed = diff(state, after);
          state = after; // first, so one failure does not leave the next command a stale snapshot
          if (!result.ok) expect(changed, `${command.name} refused (${code}) but changed the table`).toEqual([]);
        },
      ),
      // The time limit only stops a slow command's runs before the test's own timeout.
      { numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 100_000 },
    );
  }, 120_000);

  it('reached the use cases: some fuzzed actions succeeded and some wrote', () => {
    expect([...stats.values()].some((row) => (row.ok ?? 0) > 0)).toBe(true);
    expect(w.writes()).toBeGreaterThan(0);
    if (process.env.FUZZ_STATS) console.log([...stats].map(([name, row]) => `${name} ${JSON.stringify(row)}`).join('\n'));
  });
});
