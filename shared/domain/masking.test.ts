import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hasControlOrBidi, isMainlandMobile, maskName, maskPhone, phoneTail } from './masking.ts';

describe('maskName', () => {
  it.each([
    ['张三丰', '张**'],
    ['王五', '王*'],
    ['欧阳娜娜', '欧***'],
    ['李', '*'],
    ['  张三  ', '张*'],
    ['𠮷野家', '𠮷**'], // a character outside the BMP counts once
    ['Alice Wong', 'A*'],
    ['bob', 'b*'],
    ['Z', '*'],
    ['', ''],
  ])('%j → %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});

describe('phone helpers', () => {
  it('takes the last four digits', () => {
    expect(phoneTail('13812345678')).toBe('5678');
    expect(phoneTail('+86 138-1234-0007')).toBe('0007');
  });

  it('masks the middle of a mainland mobile', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678');
    expect(maskPhone('0086-13812345678')).toBe('138****5678');
  });

  it('keeps only the last four digits of any other number', () => {
    expect(maskPhone('021-64381234')).toBe('*******1234');
    expect(maskPhone('1234')).toBe('****');
    expect(maskPhone('')).toBe('');
  });

  it.each([
    ['13812345678', true],
    ['19912345678', true],
    ['12812345678', false],
    ['1381234567', false],
    ['138123456789', false],
    ['+8613812345678', false],
    ['138 1234 5678', false],
  ])('isMainlandMobile(%j) is %s', (s, ok) => {
    expect(isMainlandMobile(s)).toBe(ok);
  });
});

describe('privacy', () => {
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  beforeEach(() => {
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(vi.spyOn(console, m).mockImplementation(() => undefined));
    }
  });
  afterEach(() => {
    spies.splice(0).forEach((s) => s.mockRestore());
  });

  it('never logs, and an error never quotes the value', () => {
    maskName('张三丰');
    maskPhone('13812345678');
    isMainlandMobile('13812345678');
    phoneTail('13812345678');
    expect(() => phoneTail('987')).toThrow(RangeError);
    try {
      phoneTail('987');
    } catch (e) {
      expect((e as Error).message).not.toContain('987');
    }
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });
});

describe('hasControlOrBidi', () => {
  it('finds control and bidi characters, and only those', () => {
    for (const bad of ['\u0000', '\n', '\u001f', '\u007f', '\u0085', '\u009f', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069']) {
      expect(hasControlOrBidi(`张${bad}三`)).toBe(true);
    }
    for (const ok of ['张三', 'Alice Wong', '欧阳 娜娜', 'Zoë', '𠮷野家', '王·小明', '\u200d']) expect(hasControlOrBidi(ok)).toBe(false);
  });
});
