import { beforeAll, describe, expect, it } from 'vitest';
import { api, login, uniqueOpenid } from '../support/stack.ts';

const contact = { name: '李四', phone: '13812345678' };
let seq = 0;
const rid = () => `e2e-${Date.now().toString(36)}-${seq++}`;

describe('browse → place → pay over HTTP', () => {
  let staff: string;
  beforeAll(async () => {
    staff = await login('demo-staff');
  });

  it('places an order with the payment parameters, pays it through the sandbox, and reads it back', async () => {
    const openid = uniqueOpenid('buyer');
    const token = await login(openid);
    const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-tomato', qty: 2 }] };
    const quote = await api('POST', '/orders/quote', { token, body: basket });
    expect(quote.status).toBe(200);
    const placed = await api('POST', '/orders', { token, body: { ...basket, requestId: rid(), contact, priceFen: 1 } });
    expect(placed.status).toBe(201);
    expect(placed.body.data.order.amounts).toEqual(quote.body.data.amounts);
    expect(placed.body.data.payment).toMatchObject({ timeStamp: expect.any(String), nonceStr: expect.any(String), package: expect.stringMatching(/^prepay_id=/), signType: 'RSA', paySign: expect.any(String) });
    const id = placed.body.data.order.id;

    const paid = await api('POST', `/dev/pay/${id}`, { token });
    expect(paid.status).toBe(200);
    expect(paid.body.data.notification.status).toBe(200);
    const order = (await api('GET', `/orders/${id}`, { token })).body.data;
    expect(order.status).toBe('PAID');
    expect(order.pickupCode).toMatch(/^\d{8}$/);
    expect(order.contact).toEqual(contact);

    const mine = (await api('GET', '/orders', { token })).body.data;
    expect(mine.items.map((o: any) => o.id)).toEqual([id]);
    const other = await login(uniqueOpenid('other'));
    expect((await api('GET', `/orders/${id}`, { token: other })).body.error.code).toBe('NOT_FOUND');
    expect((await api('GET', `/orders/${id}`, { token: staff })).body.data.id).toBe(id);
  });

  it('a forged payment notification is refused and changes nothing', async () => {
    const token = await login(uniqueOpenid('forger'));
    const placed = await api('POST', '/orders', { token, body: { communityId: 'c-jingan', items: [{ productId: 'p-oil', qty: 1 }], requestId: rid(), contact } });
    const forged = await api('POST', '/pay/notify', {
      raw: JSON.stringify({ id: 'x', resource: { ciphertext: 'AAAA', nonce: 'abc', associated_data: 'transaction' } }),
      headers: { 'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)), 'wechatpay-nonce': 'n', 'wechatpay-signature': 'c2ln', 'wechatpay-serial': 'NOPE' },
    });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('FAIL');
    expect((await api('GET', `/orders/${placed.body.data.order.id}`, { token })).body.data.status).toBe('PENDING_PAYMENT');
  });

  it('the same requestId twice at once answers one order', async () => {
    const token = await login(uniqueOpenid('twice'));
    const body = { communityId: 'c-jingan', items: [{ productId: 'p-milk', qty: 1 }], requestId: rid(), contact };
    const [a, b] = await Promise.all([api('POST', '/orders', { token, body }), api('POST', '/orders', { token, body })]);
    expect(a.body.data.order.id).toBe(b.body.data.order.id);
    expect((await api('GET', '/orders', { token })).body.data.items).toHaveLength(1);
  });

  it('bad input is VALIDATION_FAILED or NOT_FOUND and takes no stock', async () => {
    const token = await login(uniqueOpenid('bad'));
    const stock = async () => (await api('GET', '/catalog?communityId=c-jingan', { token })).body.data.products.find((p: any) => p.id === 'p-pork').remaining;
    const before = await stock();
    const cases: [unknown, string][] = [
      [{ communityId: 'c-jingan', items: [{ productId: 'p-pork', qty: 0 }], requestId: rid(), contact }, 'VALIDATION_FAILED'],
      [{ communityId: 'c-jingan', items: Array.from({ length: 21 }, (_, i) => ({ productId: `p-x${i}`, qty: 1 })), requestId: rid(), contact }, 'VALIDATION_FAILED'],
      [{ communityId: 'c-jingan', items: [{ productId: 'p-pork', qty: 1 }], requestId: rid() }, 'VALIDATION_FAILED'],
      [{ communityId: 'c-jingan', items: [{ productId: 'p-pork', qty: 1 }], requestId: rid(), contact: { name: '王', phone: '123' } }, 'VALIDATION_FAILED'],
      [{ communityId: 'c-jingan', items: [{ productId: 'p-unknown', qty: 1 }, { productId: 'p-pork', qty: 1 }], requestId: rid(), contact }, 'NOT_FOUND'],
    ];
    for (const [body, code] of cases) {
      const r = await api('POST', '/orders', { token, body });
      expect(r.body.error?.code, JSON.stringify(body).slice(0, 80)).toBe(code);
    }
    expect(await stock()).toBe(before);
  });

  it('replaying POST /orders answers 201 with the first order and payment parameters, also after payment; another input is 409', async () => {
    const token = await login(uniqueOpenid('replay'));
    const body = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: rid(), contact };
    const first = await api('POST', '/orders', { token, body });
    expect(first.status).toBe(201);
    const again = await api('POST', '/orders', { token, body });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await api('POST', `/dev/pay/${first.body.data.order.id}`, { token })).body.data.order.status).toBe('PAID');
    const afterPaid = await api('POST', '/orders', { token, body });
    expect(afterPaid.status).toBe(201);
    expect(afterPaid.body).toEqual(first.body);
    const different = await api('POST', '/orders', { token, body: { ...body, items: [{ productId: 'p-rice', qty: 2 }] } });
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe('INVALID_STATE');
  });

  it('a fourth unpaid order is 429 RATE_LIMITED; paying one frees a slot', async () => {
    const token = await login(uniqueOpenid('unpaid'));
    const place = () => api('POST', '/orders', { token, body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: rid(), contact } });
    const placed = [await place(), await place(), await place()];
    expect(placed.map((r) => r.status)).toEqual([201, 201, 201]);
    const fourth = await place();
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('RATE_LIMITED');
    expect((await api('POST', `/dev/pay/${placed[0]!.body.data.order.id}`, { token })).body.data.notification.status).toBe(200);
    expect((await place()).status).toBe(201);
  });

  it('a refund result arrives as a signed notification; ABNORMAL is listed for staff; forged ones are 401', async () => {
    const token = await login(uniqueOpenid('refund'));
    const placed = await api('POST', '/orders', { token, body: { communityId: 'c-jingan', items: [{ productId: 'p-oil', qty: 1 }], requestId: rid(), contact } });
    const id = placed.body.data.order.id;
    await api('POST', `/dev/pay/${id}`, { token });
    const cancelled = await api('POST', `/orders/${id}/cancel`, { token });
    expect(cancelled.body.data.refunds).toEqual([expect.objectContaining({ status: 'PROCESSING' })]);
    const refundId = cancelled.body.data.refunds[0].id;

    const forged = await api('POST', '/pay/refund-notify', {
      raw: JSON.stringify({ id: 'x', event_type: 'REFUND.SUCCESS', resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext: 'AAAA', nonce: 'abc', associated_data: 'refund' } }),
      headers: { 'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)), 'wechatpay-nonce': 'n', 'wechatpay-signature': 'c2ln', 'wechatpay-serial': 'NOPE' },
    });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('FAIL');

    const abnormal = await api('POST', `/dev/refund/${refundId}`, { token, body: { status: 'ABNORMAL' } });
    expect(abnormal.status).toBe(200);
    expect(abnormal.body.data.notification.status).toBe(200);
    expect(abnormal.body.data.order.refunds[0].status).toBe('ABNORMAL');
    const listed = await api('GET', '/admin/refunds?status=ABNORMAL', { token: staff });
    expect(listed.status).toBe(200);
    expect(listed.body.data.items.map((r: any) => r.refundId)).toContain(refundId);
    expect((await api('GET', '/admin/refunds', { token })).status).toBe(403);

    const done = await api('POST', `/dev/refund/${refundId}`, { token });
    expect(done.body.data.order.refunds[0].status).toBe('SUCCESS');
    const after = await api('GET', '/admin/refunds?status=ABNORMAL', { token: staff });
    expect(after.body.data.items.map((r: any) => r.refundId)).not.toContain(refundId);
  });

  // DynamoDB Local serialises writes (~30 transactions/s here), so over HTTP the race is 300
  // buyers for 30 units; test/integration/orders-place.test.ts runs 1,000 buyers for 100 units.
  it('300 concurrent buyers of a 30-unit flash sale over HTTP: exactly 30 sold, the rest OUT_OF_STOCK', async () => {
    const now = Date.now();
    const product = await api('POST', '/admin/products', {
      token: staff,
      body: {
        title: 'E2E 秒杀草莓', category: '水果', priceFen: 3990, supplierId: 's-fruit', fresh: true,
        flashSale: { priceFen: 990, stock: 30, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
      },
    });
    expect(product.status).toBe(200);
    const pid = product.body.data.id;
    const tokens: string[] = [];
    for (let i = 0; i < 300; i += 50) tokens.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => login(`flash-${pid}-${i + k}`)))));
    const codes: string[] = [];
    // Every buyer's request is in flight at once.
    let next = 0;
    await Promise.all(
      Array.from({ length: tokens.length }, async () => {
        while (next < tokens.length) {
          const token = tokens[next++]!;
          const r = await api('POST', '/orders', { token, body: { communityId: 'c-wujiaochang', items: [{ productId: pid, qty: 1 }], requestId: rid(), contact } });
          codes.push(r.status === 201 ? 'OK' : r.body.error?.code ?? `HTTP ${r.status}`);
        }
      }),
    );
    expect(codes.filter((c) => c === 'OK')).toHaveLength(30);
    expect(new Set(codes.filter((c) => c !== 'OK'))).toEqual(new Set(['OUT_OF_STOCK']));
    const catalog = (await api('GET', '/catalog?communityId=c-wujiaochang', { token: staff })).body.data;
    expect(catalog.products.find((p: any) => p.id === pid).flashSale.remaining).toBe(0);
  }, 300_000);
});
