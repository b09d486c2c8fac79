import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { findOrder, orderKey } from '#app/orders/model';
import { applyPayment } from '#app/orders/pay';
import { cancelCommand, getOrderCommand, placeCommand, quoteCommand } from '#app/orders/commands';
import { arrivalCommand, redeemCommand } from '#app/verify/commands';
import { meCommand } from '#app/auth/commands';
import { deleteAccountCommand, exportCommand } from '#app/privacy/commands';
import { adminOrderKeys } from '#app/admin-orders/keys';
import { phoneIndexOf } from '#app/admin-orders/phone-index';
import { readFinance } from '#app/settle/finance';
import { ensureProfile } from '#app/users';
import { queryAll, type ItemStore } from '#ports/item-store';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { localClient } from '../../scripts/lib/dynamo-local.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createTestStore } from '../support/dynamo.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

// The customer's rights over their data (issue 20 items 3-4): export, and erasure that leaves
// their name and phone nowhere in either store while the merchant's accounts stay whole.

const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const ME = { openid: 'u-erase', name: '欧阳娜娜', phone: '13987654321' };
const OTHER = { openid: 'u-keep', name: '司马光明', phone: '13611112222' };

/** What in the store still points at the customer: sealed contacts that open to their phone, their phone tail or masked name, their openid. */
async function tracesOf(w: TestWorld, items: unknown[], who: typeof ME) {
  const { sealedRecord } = await import('#app/contacts/sealed');
  const traces: string[] = [];
  for (const item of items as Record<string, unknown>[]) {
    const text = JSON.stringify(item);
    if (text.includes(who.openid)) traces.push(`openid in ${String(item.pk)}|${String(item.sk)}`);
    if (item.phoneTail === who.phone.slice(-4) || text.includes(`"contactName":"${who.name.slice(0, 1)}`)) traces.push(`tail or masked name in ${String(item.pk)}|${String(item.sk)}`);
    for (const v of Object.values(item)) {
      if (typeof v !== 'string' || !v.startsWith('v2:')) continue;
      try {
        if (w.deps.contacts.decrypt(v, sealedRecord.orderContact(String(item.id))).includes(who.phone)) traces.push(`sealed contact in ${String(item.pk)}|${String(item.sk)}`);
      } catch {
        /* another record's value */
      }
    }
  }
  return traces;
}

const call = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: unknown, openid: string) => dispatch(command, input, { kind: 'openid', openid }, w.deps) as Promise<any>;

interface Backend {
  name: string;
  make(): Promise<{ store: ItemStore; everything(): Promise<unknown[]>; close?(): void }>;
}
const dynamo: Backend = {
  name: 'DynamoDB Local',
  async make() {
    const { store, tableName, endpoint } = await createTestStore();
    const client = DynamoDBDocumentClient.from(localClient(endpoint));
    return {
      store,
      async everything() {
        const all: unknown[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
          all.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        return all;
      },
    };
  },
};
const cloudbase: Backend = {
  name: 'the CloudBase double',
  async make() {
    const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    return { store: createCloudbaseItemStore({ db: double.db }), everything: async () => Object.values(double.dump()).flat(), close: () => double.uninstall() };
  },
};

/** A customer's order through the real use cases: placed, paid, confirmed, arrived and picked up. */
async function pickedUpOrder(w: TestWorld, who: typeof ME, requestId: string) {
  const placed = await call(w, placeCommand, { requestId, contact: { name: who.name, phone: who.phone }, communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }] }, who.openid);
  await applyPayment(w.deps, { orderId: placed.order.id, transactionId: `tx-${requestId}`, amountFen: placed.order.amounts.payableFen, paidAt: '2026-11-24T10:01:00+08:00', tradeState: 'SUCCESS' });
  await w.store.write({ type: 'update', key: orderKey(placed.order), update: { set: { status: 'CONFIRMED' } }, when: [{ op: 'eq', path: 'status', value: 'PAID' }] });
  return placed.order as { id: string; communityId: string; waveDate: string; createdAt: string };
}

describe.each([dynamo, cloudbase])('export and erasure on $name', (backend) => {
  let close: (() => void) | undefined;
  afterAll(() => close?.());

  it('export gives the caller everything held about them and nothing of another customer; erasure is refused while an order is open, then leaves the name and phone nowhere, finance unchanged, and a new sign-in is a new customer without the new-user coupon again', { timeout: 120_000 }, async () => {
    const b = await backend.make();
    close = b.close;
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', store: b.store });
    await ensureProfile(w.deps, ME.openid);
    await ensureProfile(w.deps, OTHER.openid);
    expect((await call(w, meCommand, {}, ME.openid)).coupons.map((c: any) => c.id)).toContain('cpn-new-user');

    const mine = await pickedUpOrder(w, ME, 'r-me-1');
    const theirs = await pickedUpOrder(w, OTHER, 'r-other-1');
    await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, '2026-11-24'), status: 'CLOSED' } });
    w.clock.set('2026-11-25T17:00:00+08:00');
    await call(w, arrivalCommand, { communityId: XJH, waveDate: '2026-11-24' }, LEADER);
    for (const o of [mine, theirs]) await call(w, redeemCommand, { communityId: XJH, code: (await findOrder(w.deps, o.id))!.pickupCode }, LEADER);
    // One more order of mine, unpaid: erasure must wait for it.
    const unpaid = await call(w, placeCommand, { requestId: 'r-me-2', contact: { name: ME.name, phone: ME.phone }, communityId: XJH, items: [{ productId: 'p-oil', qty: 1 }] }, ME.openid);

    // Export: my orders with my contact in full, my coupons and points; nothing of the other customer.
    const exported = await call(w, exportCommand, {}, ME.openid);
    expect(exported.profile).toMatchObject({ id: ME.openid, smsEnabled: true });
    expect(exported.addresses).toEqual([]);
    expect(exported.orders.map((o: any) => o.id).sort()).toEqual([mine.id, unpaid.order.id].sort());
    for (const o of exported.orders) expect(o.contact).toEqual({ name: ME.name, phone: ME.phone });
    expect(exported.coupons.map((c: any) => c.couponId)).toContain('cpn-new-user');
    expect(exported.points.balance).toBeGreaterThan(0);
    expect(exported).toMatchObject({ wallet: { principalFen: 0, bonusFen: 0, entries: [] }, ratings: [], invites: { invitees: [], rewards: [] }, leaderApplications: [] });
    const text = JSON.stringify(exported);
    for (const foreign of [OTHER.openid, OTHER.name, OTHER.phone, theirs.id]) expect(text).not.toContain(foreign);

    // Refused while an order is unpaid (nothing changes), and without the confirmation.
    const before = JSON.stringify(await b.everything());
    expect(codeOf(await call(w, deleteAccountCommand, { confirm: 'DELETE' }, ME.openid).catch((e) => e))).toBe('INVALID_STATE');
    expect(codeOf(await call(w, deleteAccountCommand, { confirm: 'yes' }, ME.openid).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(await b.everything())).toBe(before);
    await call(w, cancelCommand, { id: unpaid.order.id }, ME.openid);

    // The scan sees the customer before the erasure (sealed contacts, phone tails, the openid)…
    expect((await tracesOf(w, await b.everything(), ME)).length).toBeGreaterThan(3);
    const financeBefore = await readFinance(w.deps, '2026-11-24', '2026-11-25');
    expect(await call(w, deleteAccountCommand, { confirm: 'DELETE' }, ME.openid)).toEqual({ deleted: true });

    // Every item of the store: my name, phone and openid appear nowhere.
    const all = JSON.stringify(await b.everything());
    expect(all).not.toContain(ME.name);
    expect(all).not.toContain(ME.phone);
    expect(all).not.toContain(ME.openid);
    // …and nothing after it: no sealed contact opens to the phone, no tail or masked name, no openid.
    expect(await tracesOf(w, await b.everything(), ME)).toEqual([]);
    expect((await tracesOf(w, await b.everything(), OTHER)).length).toBeGreaterThan(0);
    // …while the other customer's data is untouched.
    expect(all).toContain(OTHER.phone.slice(-4));
    expect((await call(w, getOrderCommand, { id: theirs.id }, OTHER.openid)).contact).toEqual({ name: OTHER.name, phone: OTHER.phone });
    // The blind index is gone (staff no longer find the order by the phone); the other's stays.
    expect(await queryAll(w.store, adminOrderKeys.phoneOrders(phoneIndexOf(w.deps, ME.phone)))).toEqual([]);
    expect(await queryAll(w.store, adminOrderKeys.phoneOrders(phoneIndexOf(w.deps, OTHER.phone)))).toHaveLength(1);
    // The orders stay for the merchant, anonymised, amounts whole; finance unchanged.
    const kept = (await findOrder(w.deps, mine.id))!;
    expect(kept).toMatchObject({ status: 'PICKED_UP', userId: 'erased' });
    expect(kept.amounts.payableFen).toBeGreaterThan(0);
    expect(kept.contactSealed).toBeUndefined();
    expect(await readFinance(w.deps, '2026-11-24', '2026-11-25')).toEqual(financeBefore);
    const { orderView } = await import('#app/orders/model');
    expect(orderView(w.deps, kept, 'staff').contact).toEqual({ name: null, phoneTail: null });
    expect(orderView(w.deps, kept, 'leader').contact).toEqual({ name: null, phoneTail: null });

    // Signing in again: a new customer, no order, no points, no new-user coupon, no first-order discount.
    await ensureProfile(w.deps, ME.openid);
    const me = await call(w, meCommand, {}, ME.openid);
    expect(me).toMatchObject({ id: ME.openid, points: 0, coupons: [] });
    expect((await call(w, exportCommand, {}, ME.openid)).orders).toEqual([]);
    const quote = await call(w, quoteCommand, { communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }] }, ME.openid);
    expect(quote.amounts.firstOrderFen).toBe(0);
    // A second erasure of the new account works too.
    expect(await call(w, deleteAccountCommand, { confirm: 'DELETE' }, ME.openid)).toEqual({ deleted: true });
  });
});
