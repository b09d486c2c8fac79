import { describe, expect, it } from 'vitest';
import { effectiveOrder, effectiveStatus } from './order-status.ts';

describe('effectiveStatus', () => {
  it('is CONFIRMED for a stored PAID order of a CLOSED wave only', () => {
    expect(effectiveStatus('PAID', true)).toBe('CONFIRMED');
    expect(effectiveStatus('PAID', false)).toBe('PAID');
    expect(effectiveStatus('CONFIRMED', false)).toBe('CONFIRMED');
    for (const s of ['PENDING_PAYMENT', 'ARRIVED', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED', 'TEAM_PENDING']) expect(effectiveStatus(s, true)).toBe(s);
  });

  it("gives a PAID order of a closed wave the wave's close time; others are returned as they are", () => {
    const paid = { id: 'o1', status: 'PAID' };
    expect(effectiveOrder(paid, { status: 'CLOSED', closedAt: '2028-06-02T22:00:01+08:00' })).toEqual({ id: 'o1', status: 'CONFIRMED', confirmedAt: '2028-06-02T22:00:01+08:00' });
    expect(effectiveOrder(paid, { status: 'CLOSING' })).toBe(paid);
    expect(effectiveOrder(paid, undefined)).toBe(paid);
    const legacy = { id: 'o2', status: 'CONFIRMED', confirmedAt: '2028-06-01T22:00:05+08:00' };
    expect(effectiveOrder(legacy, { status: 'CLOSED', closedAt: '2028-06-01T22:00:09+08:00' })).toBe(legacy);
  });
});
