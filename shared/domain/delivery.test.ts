import { describe, expect, it } from 'vitest';
import { delivers, deliveryFeeFen, isSlot, maskDetail, maskedAddress } from './delivery.ts';

describe('home delivery rules', () => {
  it('charges the fee below the threshold and nothing from it on (the ¥9.9 rule)', () => {
    const s = { feeFen: 500, freeAboveFen: 990 };
    expect(deliveryFeeFen(s, 989)).toBe(500);
    expect(deliveryFeeFen(s, 990)).toBe(0);
    expect(deliveryFeeFen(s, 5000)).toBe(0);
    expect(deliveryFeeFen({ feeFen: 300, freeAboveFen: 0 }, 1)).toBe(0);
  });

  it('takes slots HH:mm-HH:mm ending after they start; delivers only when enabled with a slot', () => {
    expect(isSlot('18:00-20:00')).toBe(true);
    for (const bad of ['20:00-18:00', '18:00-18:00', '8:00-20:00', '18:00–20:00', '24:00-25:00']) expect(isSlot(bad)).toBe(false);
    expect(delivers({ enabled: true, feeFen: 1, freeAboveFen: 1, slots: ['18:00-20:00'] })).toBe(true);
    expect(delivers({ enabled: false, feeFen: 1, freeAboveFen: 1, slots: ['18:00-20:00'] })).toBe(false);
    expect(delivers({ enabled: true, feeFen: 1, freeAboveFen: 1, slots: [] })).toBe(false);
    expect(delivers(undefined)).toBe(false);
  });

  it('masks an address: name, phone tail, the detail cut after 4 characters, never the phone', () => {
    expect(maskDetail('虹桥路1号3栋502室')).toBe('虹桥路1***');
    expect(maskDetail('1号')).toBe('**');
    expect(maskDetail('一二三')).toBe('一***');
    const view = maskedAddress({ name: '赵小满', phone: '13611112222', district: '徐汇区', detail: '虹桥路1号3栋502室' });
    expect(view).toEqual({ name: '赵**', phoneTail: '2222', district: '徐汇区', detail: '虹桥路1***' });
    expect(JSON.stringify(view)).not.toContain('1361111');
  });
});
