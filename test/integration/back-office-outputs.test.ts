import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { toIssues } from '#platform/schema';
import { outputOf } from '#app/outputs';
import { runCutoff } from '#app/cutoff/close-waves';
import { runSettlement } from '#app/settle/run';
import { pickups } from '#test/settle-fixtures';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';
import { runJobInWorld } from '../support/jobs.ts';

/**
 * The back-office reads the console uses most answer inside their declared output schemas
 * (shared/app/outputs.ts; openapi.json and client/types.ts are generated from them): each is
 * called through dispatch on a seeded world (orders in two communities, the cutoff run, an
 * approved after-sales request, a settled week, a changed setting, a job run) and its answer
 * parsed by its schema. The answers are not empty, so every part of each schema is exercised.
 */
const D = '2026-11-24';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);

export const BACK_OFFICE_READS = [
  'admin.dashboard',
  'admin.wave',
  'cutoff.purchaseList',
  'cutoff.pickLists',
  'cutoff.routes',
  'admin.afterSales',
  'settle.finance',
  'settle.allStatements',
  'admin.settings',
  'admin.settingsHistory',
  'admin.staff',
  'admin.audit',
  'admin.jobRun',
  // Their writes, answered alike.
  'admin.decideAfterSales',
  'admin.updateSettings',
  'admin.runJob',
] as const;

async function seededAnswers(): Promise<Record<string, unknown[]>> {
  const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
  recordRefunds(w);
  const answers: Record<string, unknown[]> = {};
  const read = async (name: string, input: Record<string, unknown>) => {
    const data = await staff(w, name, input);
    (answers[name] ??= []).push(data);
    return data;
  };
  // Orders of the wave in two communities, and one picked up (for after-sales).
  await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: D, status: 'PAID', lines: [{ productId: 'p-rice', qty: 2 }, { productId: 'p-eggs', qty: 1 }] });
  await givenOrder(w, { communityId: 'c-jingan', userId: 'u-2', waveDate: D, status: 'PAID', lines: [{ productId: 'p-rice', qty: 1 }] });
  const picked = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-3', waveDate: '2026-11-23', status: 'PICKED_UP', pickedUpAt: `${D}T09:00:00+08:00`, lines: [{ productId: 'p-eggs', qty: 2 }] });
  const approved = await as(w, 'u-3', 'order.afterSales', { id: picked.id, lines: [{ productId: 'p-eggs', qty: 1 }], reason: '破了' });
  await as(w, 'u-3', 'order.afterSales', { id: picked.id, lines: [{ productId: 'p-eggs', qty: 1 }], reason: '也破了' });
  await read('admin.decideAfterSales', { id: approved.id, decision: 'approve' });
  await read('admin.wave', { date: D }); // open
  w.clock.set(`${D}T22:00:00+08:00`);
  await runCutoff(w.deps, { date: D });
  await staff(w, 'cutoff.shortage', { date: D, productId: 'p-rice', shortQty: 1, reason: '供货不足', requestId: 'sh-1' });

  await read('admin.wave', { date: D });
  await read('admin.dashboard', { from: D, to: D });
  await read('admin.dashboard', { from: '2026-11-20', to: D, groupBy: 'community' });
  await read('cutoff.purchaseList', { date: D });
  await read('cutoff.pickLists', { date: D });
  await read('cutoff.pickLists', { date: D, communityId: 'c-xujiahui' });
  await read('cutoff.pickLists', { date: D, limit: '1' });
  await read('cutoff.routes', { date: D });
  await read('admin.afterSales', {});
  await read('admin.afterSales', { status: 'PENDING' });
  await read('settle.finance', { from: '2026-11-23', to: D });

  // A settled week: statements of two leaders.
  await pickups(w, 'l-xujiahui', '2026-11-25', 2, 1_005);
  await pickups(w, 'l-jingan', '2026-11-26', 1, 2_000);
  w.clock.set('2026-11-30T02:00:00+08:00');
  await runSettlement(w.deps);
  await read('settle.allStatements', { period: '2026-W48' });
  await read('settle.allStatements', { period: '2026-W48', limit: '1' });

  const settings = await read('admin.settings', {});
  const { version, ...rest } = settings;
  await read('admin.updateSettings', { ...rest, version, cutoffTime: '21:30', staffRefundLimitFen: 20_000 });
  await read('admin.settings', {});
  await read('admin.settingsHistory', {});
  await staff(w, 'admin.createStaff', { login: 'ops', name: '运营', roles: ['operations'], openid: 'o-ops' });
  await read('admin.staff', {});
  await read('admin.audit', {});

  const started = await read('admin.runJob', { job: 'expire' });
  (answers['admin.jobRun'] ??= []).push(await staff(w, 'admin.jobRun', { runId: started.runId })); // RUNNING or DONE
  await w.jobs.idle();
  expect(await read('admin.jobRun', { runId: started.runId })).toMatchObject({ status: 'DONE' });
  // A failed run (a cutoff of a wave not yet open) carries its error.
  expect(await runJobInWorld(w, 'cutoff', { date: '2026-12-30' })).toMatchObject({ status: 'FAILED' });
  await read('admin.jobRun', { runId: (await runJobInWorld(w, 'cutoff', { date: '2026-12-30' })).runId });
  return answers;
}

describe('back-office output schemas', () => {
  it('each read the console uses most answers inside its output schema on a seeded world', async () => {
    const answers = await seededAnswers();
    const outside: string[] = [];
    for (const name of BACK_OFFICE_READS) {
      const schema = outputOf(command(name));
      expect(schema, `${name} declares an output schema`).toBeDefined();
      expect(answers[name]?.length, `${name} was called`).toBeGreaterThan(0);
      for (const data of answers[name]!) {
        const r = schema!.safeParse(data);
        if (!r.success) outside.push(`${name}: ${JSON.stringify(toIssues(r.error)).slice(0, 400)}`);
      }
    }
    expect(outside).toEqual([]);

    // The schemas are not permissive: a changed field of a real answer is outside them.
    const broken: [string, (d: any) => void][] = [
      ['cutoff.purchaseList', (d) => (d.suppliers[0].lines[0].qty = '1')],
      ['cutoff.pickLists', (d) => delete d.lists.find((l: any) => l.labels.length).labels[0].phoneTail],
      ['cutoff.routes', (d) => (d.routes[0].stops[0].legM = -1)],
      ['admin.wave', (d) => (d.status = 'DONE')],
      ['admin.dashboard', (d) => (d.totals.repurchaseRate = 2)],
      ['admin.afterSales', (d) => (d.items[0].status = 'OPEN')],
      ['settle.finance', (d) => delete d.totals.refundFen],
      ['settle.allStatements', (d) => (d.items[0].totalFen = 1.5)],
      ['admin.settings', (d) => (d.staffRefundLimitFen = -1)],
      ['admin.settingsHistory', (d) => (d[0].version = 0)],
      ['admin.jobRun', (d) => (d.status = 'OK')],
    ];
    for (const [name, breakIt] of broken) {
      const data = structuredClone(answers[name]![0]);
      breakIt(data);
      expect(outputOf(command(name))!.safeParse(data).success, `${name} refuses a broken answer`).toBe(false);
    }
  });
});
