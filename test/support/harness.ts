import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFolderStorage } from '#adapters/local/folder-storage';
import { createSandboxCodes } from '#adapters/local/sandbox-codes';
import type { Deps } from '#app/deps';
import { assembleDeps } from '#wiring/shared';
import { parseConfig } from '#platform/config';
import { fixedClock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import type { MessageSender, OutgoingMessage, SendResult } from '#ports/message-sender';
import { createLocalPay } from '#adapters/local/local-pay';
import { createInProcessLauncher } from '#adapters/local/in-process-launcher';
import type { JobSigner } from '#adapters/crypto/job-signature';
import type { JobLauncher } from '#ports/job-launcher';
import { keys } from '#app/keys';
import { sealedRecord } from '#app/contacts/sealed';
import { toBizIso } from '#domain/time';
import { commissionRateOf } from '#domain/commission';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { createTestStore } from './dynamo.ts';

/** A sender double: records every message and answers what the test scripts (default: sent). */
export function recordingSender() {
  const sent: OutgoingMessage[] = [];
  let next: ((m: OutgoingMessage) => SendResult | Promise<SendResult>) | undefined;
  const sender: MessageSender & { sent: OutgoingMessage[]; answer(f: typeof next): void } = {
    sent,
    answer(f) {
      next = f;
    },
    async send(m) {
      const r = next ? await next(m) : ({ status: 'sent' } as const);
      if (r.status === 'sent') sent.push(m);
      return r;
    },
  };
  return sender;
}

export interface TestWorld {
  deps: Deps;
  store: ItemStore;
  clock: ReturnType<typeof fixedClock>;
  sender: ReturnType<typeof recordingSender>;
  sandbox: ReturnType<typeof createLocalPay>['sandbox'];
  /** Starts job runs in this process (POST /admin/jobs/{job}/run); `idle()` waits for them. */
  jobs: ReturnType<typeof createInProcessLauncher>;
}

/** Runs a started job as its function would: the registry's module job (leased, recorded) with the signed start. */
async function runFunctionJob(deps: Deps, fn: string, event: { job: string; date?: string; runId: string; sig: string }): Promise<unknown> {
  const { FUNCTIONS } = await import('../../functions/registry.ts');
  const job = FUNCTIONS.find((m) => m.name === fn)?.jobs?.find((j) => j.name === event.job);
  if (!job) throw new Error(`no job ${event.job} in function ${fn}`);
  return job.run(deps, event);
}

/**
 * Deps for an integration test: a fresh DynamoDB Local table through the real adapter, a
 * frozen clock (Asia/Shanghai instants), the sandbox payment gateway and a recording sender.
 */
export async function makeWorld(options: { now?: string; settings?: Record<string, unknown>; store?: ItemStore; seed?: boolean } = {}): Promise<TestWorld> {
  const store = options.store ?? (await createTestStore()).store;
  const clock = fixedClock(options.now ?? '2026-11-24T10:00:00+08:00');
  const config = parseConfig({
    STAGE: 'test',
    AUTH_MODE: 'wechat',
    WX_APPID: 'wxtest',
    WX_SECRET: 'secret',
    TABLE_NAME: 'unused',
    SESSION_SECRET: 'test-session-secret-0123456789-abcdef',
    CONTACT_KEY: randomBytes(32).toString('base64'),
    STAFF_OPENIDS: 'staff-1',
    MERCHANT_SETTINGS: options.settings ? JSON.stringify(options.settings) : undefined,
  });
  const pay = createLocalPay({ now: () => clock.now(), baseUrl: 'http://localhost:0' });
  const sender = recordingSender();
  // Object.assign keeps `settings` reading this world's settings cache (a spread would freeze it).
  let jobs!: ReturnType<typeof createInProcessLauncher>;
  const jobLauncher = (signer: JobSigner): JobLauncher => (jobs = createInProcessLauncher({ signer, run: (fn, event): Promise<unknown> => runFunctionJob(deps, fn, event) }));
  // Share cards: the local folder storage (a temporary folder) and the sandbox's QR codes.
  const objectStorage = createFolderStorage({ dir: mkdtempSync(join(tmpdir(), 'gb-objects-')), baseUrl: 'http://localhost:0' });
  const deps: Deps = Object.assign(assembleDeps({ config, store, clock, payment: pay.payment, payout: pay.payout, sender, jobLauncher, objectStorage, miniCodes: createSandboxCodes() }), { sandbox: pay.sandbox });
  if (options.seed !== false) await seedDemo(deps);
  return { deps, store, clock, sender, sandbox: pay.sandbox, jobs };
}

export const staffCtx = (deps: Deps) => ({ caller: { kind: 'user' as const, userId: 'staff-1', roles: ['customer' as const, 'staff' as const] }, deps });
export const customerCtx = (deps: Deps, userId: string) => ({ caller: { kind: 'user' as const, userId, roles: ['customer' as const] }, deps });
export const leaderCtx = (deps: Deps, userId: string) => ({ caller: { kind: 'user' as const, userId, roles: ['customer' as const, 'leader' as const] }, deps });

/** Sets up a leader for tests (the demo's leaders exist already when seeded). */
export async function readBalance(deps: Deps, leaderId: string) {
  return deps.store.get(keys.leaderBalance(leaderId));
}

export { toBizIso };

/**
 * Writes an order as payment (or later steps) would have left it, for tests of what comes after
 * payment (cutoff, arrival, redeem, settlement). Prices are the regular prices, no discounts.
 * End-to-end tests use the real place → pay path instead.
 */
export async function givenOrder(
  world: TestWorld,
  input: {
    communityId: string;
    userId: string;
    waveDate: string;
    lines: { productId: string; qty: number; paidFen?: number }[];
    status?: import('#app/orders/model').OrderStatus;
    contact?: { name: string; phone: string };
    createdAt?: string;
    paidAt?: string;
    pickupDeadline?: string;
    pickedUpAt?: string;
  },
): Promise<import('#app/orders/model').Order> {
  const { deps } = world;
  const { getProducts } = await import('#app/catalog/products');
  const { orderUserIndex, pendingIndex } = await import('#app/orders/model');
  const products = await getProducts(deps, input.lines.map((l) => l.productId));
  const id = deps.ids.newId();
  const now = toBizIso(deps.clock.now());
  const status = input.status ?? 'PAID';
  const contact = input.contact ?? { name: '张三', phone: '13912345678' };
  const lines = input.lines.map((l) => {
    const p = products.get(l.productId)!;
    return {
      productId: p.id,
      title: p.title,
      qty: l.qty,
      unitPriceFen: p.priceFen,
      paidFen: l.paidFen ?? p.priceFen * l.qty,
      fresh: p.fresh,
      commissionRate: commissionRateOf(p.commissionRate, deps.settings.defaultCommissionRate),
      supplierId: p.supplierId,
      flash: false,
    };
  });
  const payable = lines.reduce((s, l) => s + l.paidFen, 0);
  const code = status === 'PENDING_PAYMENT' || status === 'CANCELLED' ? undefined : deps.ids.digits(8);
  const createdAt = input.createdAt ?? now;
  const order = {
    id,
    shortNo: id.slice(-6),
    communityId: input.communityId,
    waveDate: input.waveDate,
    userId: input.userId,
    status,
    lines,
    amounts: { goodsFen: payable, memberDiscountFen: 0, couponFen: 0, firstOrderFen: 0, pointsFen: 0, payableFen: payable },
    pointsUsed: 0,
    firstOrder: false,
    contactSealed: deps.contacts.encrypt(JSON.stringify(contact), sealedRecord.orderContact(id)),
    contactMasked: contact.name.slice(0, 1) + '*'.repeat(Math.max(1, [...contact.name].length - 1)),
    phoneTail: contact.phone.slice(-4),
    requestId: id,
    createdAt,
    payBy: toBizIso(Date.parse(createdAt) + 15 * 60_000),
    ...(status !== 'PENDING_PAYMENT' && status !== 'CANCELLED' ? { paidAt: input.paidAt ?? now, transactionId: `tx-${id}` } : {}),
    ...(code ? { pickupCode: code } : {}),
    ...(input.pickupDeadline ? { pickupDeadline: input.pickupDeadline } : {}),
    ...(input.pickedUpAt ? { pickedUpAt: input.pickedUpAt } : {}),
    refunds: [],
  };
  await deps.store.transact([
    {
      type: 'put',
      item: {
        ...keys.order(order.communityId, order.waveDate, id),
        ...orderUserIndex(order),
        ...(status === 'PENDING_PAYMENT' ? pendingIndex(order) : {}),
        ...order,
      },
    },
    { type: 'put', item: { ...keys.orderRef(id), communityId: order.communityId, waveDate: order.waveDate, userId: order.userId } },
    ...(code
      ? [{ type: 'put' as const, item: { ...keys.pickupCode(order.communityId, code), orderId: id, waveDate: order.waveDate, issuedAt: now } }]
      : []),
  ]);
  return order as import('#app/orders/model').Order;
}

/** Records what reaches the payment gateway's refund (and still lets the sandbox answer). */
export function recordRefunds(w: TestWorld): import('#ports/payment').RefundInput[] {
  const calls: import('#ports/payment').RefundInput[] = [];
  const real = w.deps.payment;
  w.deps.payment = {
    prepay: (i) => real.prepay(i),
    parseNotification: (r) => real.parseNotification(r),
    refund: async (i) => {
      calls.push(i);
      return real.refund(i);
    },
  };
  return calls;
}
