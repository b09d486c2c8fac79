import type { Deps } from '../../shared/app/deps.ts';
import { dispatch } from '../../shared/platform/dispatch.ts';
import { placeCommand } from '../../shared/app/orders/commands.ts';
import { receivePaymentNotification } from '../../shared/app/orders/pay.ts';
import { findOrder } from '../../shared/app/orders/model.ts';
import { runCutoff } from '../../shared/app/cutoff/close-waves.ts';
import { cutoffKeys } from '../../shared/app/cutoff/keys.ts';
import { addDays, atBizTime } from '../../shared/domain/time.ts';
import { lastDueWaveDate, waveCutoffAt } from '../../shared/domain/wave-clock.ts';
import { DEMO } from './demo-data.ts';

/** How many past waves `npm start` fills: the ones up to the latest whose cutoff has passed. */
export const DEMO_HISTORY_DAYS = 5;

/** Demo customers (obvious demo names and numbers), four per community. */
const CUSTOMERS = [
  ['张三', '13800000001'],
  ['李四', '13800000002'],
  ['王五', '13800000003'],
  ['赵六', '13800000004'],
  ['钱七', '13800000005'],
  ['孙八', '13800000006'],
  ['周九', '13800000007'],
  ['吴十', '13800000008'],
  ['郑一', '13800000009'],
  ['冯二', '13800000010'],
  ['陈三', '13800000011'],
  ['褚四', '13800000012'],
  ['卫五', '13800000013'],
  ['蒋六', '13800000014'],
  ['沈七', '13800000015'],
  ['韩八', '13800000016'],
] as const;

/** Baskets the customers pick from (regular-priced demo products; no per-user limits). */
const BASKETS: { productId: string; qty: number }[][] = [
  [{ productId: 'p-spinach', qty: 2 }, { productId: 'p-tomato', qty: 1 }],
  [{ productId: 'p-pork', qty: 1 }, { productId: 'p-cucumber', qty: 2 }],
  [{ productId: 'p-rice', qty: 1 }],
  [{ productId: 'p-milk', qty: 2 }, { productId: 'p-banana', qty: 1 }, { productId: 'p-apple', qty: 1 }],
  [{ productId: 'p-shrimp', qty: 1 }, { productId: 'p-fish', qty: 1 }],
  [{ productId: 'p-tissue', qty: 1 }, { productId: 'p-detergent', qty: 1 }],
  [{ productId: 'p-chicken', qty: 1 }, { productId: 'p-soysauce', qty: 1 }],
  [{ productId: 'p-oil', qty: 1 }, { productId: 'p-noodles', qty: 2 }],
  [{ productId: 'p-water', qty: 1 }, { productId: 'p-eggs', qty: 1 }],
  [{ productId: 'p-durian', qty: 1 }],
];

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * The demo's past: the last DEMO_HISTORY_DAYS waves (ending with the latest one whose cutoff has
 * passed at the clock's time: yesterday's, or today's after the cutoff), each with 2-4 paid
 * orders per community, placed and paid through the real use cases (order.place, the
 * local sandbox's signed payment notification) and closed by the cutoff, so the console's
 * dashboard and wave views have figures on a fresh `npm start`. `deps` must be assembled with
 * `clock` (a fixedClock) and carry the sandbox (local stage); the clock is walked through the
 * past days and left at the last wave's cutoff run. Deterministic (same baskets each start) and safe to
 * run again: a wave already closed is skipped, a retried order is replayed by its requestId
 * and paid only while it is still pending.
 */
export async function seedDemoHistory(
  deps: Deps,
  /** The clock `deps` were assembled with (fixedClock): walked through the past days. */
  clock: { now(): number; set(ms: number): void },
  options: { lastWave?: string; days?: number } = {},
): Promise<{ waves: string[]; orders: number }> {
  if (deps.clock.now() !== clock.now()) throw new Error('seedDemoHistory: deps must be assembled with the given clock');
  const sandbox = deps.sandbox;
  if (!sandbox) throw new Error('seedDemoHistory needs the local sandbox payment (deps.sandbox)');
  const startedAt = clock.now();
  // The latest wave already cut off: yesterday's before today's cutoff time, today's after it.
  const lastWave = options.lastWave ?? lastDueWaveDate(deps.settings, startedAt);
  const days = options.days ?? DEMO_HISTORY_DAYS;
  const waves: string[] = [];
  let orders = 0;
  for (let d = days - 1; d >= 0; d--) {
    const date = addDays(lastWave, -d);
    if (await deps.store.get(cutoffKeys.waveDone(date), { consistent: true })) continue;
    const dayNo = days - 1 - d;
    // 2 to 4 orders per community and day, by a fixed pattern; one slot (a time of day) after
    // another, the communities' orders of a slot at once (the clock stands still meanwhile).
    const count = (ci: number) => 2 + ((dayNo + ci) % 3);
    for (let k = 0; k < 4; k++) {
      clock.set(atBizTime(date, '09:00') + k * 47 * 60_000);
      const slot = [...DEMO.communities.entries()].filter(([ci]) => k < count(ci));
      await Promise.all(
        slot.map(async ([ci, community]) => {
          const [name, phone] = CUSTOMERS[ci * 4 + k]!;
          const openid = `demo-customer-${phone.slice(-2)}`;
          const items = BASKETS[(dayNo * 7 + ci * 3 + k) % BASKETS.length]!;
          const placed = (await dispatch(
            placeCommand,
            { requestId: `demo-${date}-${community.id}-${k}`, contact: { name, phone }, communityId: community.id, items },
            { kind: 'openid', openid },
            deps,
          )) as { order: { id: string } };
          const order = await findOrder(deps, placed.order.id);
          if (order?.status === 'PENDING_PAYMENT') {
            const signed = sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
            const res = await receivePaymentNotification(deps, { headers: lower(signed.headers), body: signed.body });
            if (res.status !== 200) throw new Error(`demo history: payment of ${order.id} answered ${res.status}`);
          }
        }),
      );
      orders += slot.length;
    }
    // The nightly cutoff, five minutes after the cutoff instant (never later than the real now).
    clock.set(Math.max(waveCutoffAt(deps.settings, date), Math.min(waveCutoffAt(deps.settings, date) + 5 * 60_000, startedAt)));
    await runCutoff(deps, { date });
    waves.push(date);
  }
  return { waves, orders };
}
