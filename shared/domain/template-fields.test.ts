import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountFromFen, FIELD_KINDS, FIELD_PLACEHOLDERS, sanitizeField, validateField, type FieldKind } from './template-fields.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const length = (s: string): number => Array.from(s).length;
const hasLoneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);
const isValid = (kind: FieldKind, value: string): boolean => validateField(kind, value).ok;

// Text generators: Chinese, emoji (astral, ZWJ sequences, keycaps, flags), and a mix of
// everything including control characters, lone surrogates and full-width forms.
const chinese = fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCodePoint(c));
const emoji = fc.constantFrom('😀', '👍🏽', '👨‍👩‍👧', '❤️', '1️⃣', '🇨🇳', '☀', '𠮷');
const oddities = fc.constantFrom(' ', '\n', '\t', '\u3000', '\u200b', '\ud83d', '\udc00', '￥', '，', '…', '~', ':', '-', '.', '元');
const anyUnit = fc.oneof(chinese, emoji, oddities, fc.string({ unit: 'binary', maxLength: 1 }), fc.string({ maxLength: 1 }));
const texts = fc.oneof(
  fc.string({ unit: chinese, maxLength: 40 }),
  fc.string({ unit: emoji, maxLength: 10 }),
  fc.string({ unit: anyUnit, maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const kinds = fc.constantFrom(...FIELD_KINDS);

describe('sanitizeField (properties)', () => {
  it('always returns a value validateField accepts', () => {
    fc.assert(
      fc.property(kinds, texts, (kind, raw) => {
        expect(validateField(kind, sanitizeField(kind, raw))).toEqual({ ok: true });
      }),
      { numRuns: 2000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('is idempotent', () => {
    fc.assert(
      fc.property(kinds, texts, (kind, raw) => {
        const once = sanitizeField(kind, raw);
        expect(sanitizeField(kind, once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('leaves a valid value unchanged', () => {
    fc.assert(
      fc.property(kinds, texts, (kind, raw) => {
        fc.pre(isValid(kind, raw));
        expect(sanitizeField(kind, raw)).toBe(raw);
      }),
    );
    // The filter above rarely hits for strict kinds, so check valid values built on purpose.
    fc.assert(
      fc.property(fc.string({ unit: chinese, minLength: 1, maxLength: 20 }), (raw) => {
        expect(sanitizeField('thing', raw)).toBe(raw);
        if (length(raw) <= 5) expect(sanitizeField('phrase', raw)).toBe(raw);
        if (length(raw) <= 10) expect(sanitizeField('name', raw)).toBe(raw);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('never produces lone surrogates or more characters than the limit for thing', () => {
    fc.assert(
      fc.property(texts, (raw) => {
        const out = sanitizeField('thing', raw);
        expect(hasLoneSurrogate(out)).toBe(false);
        expect(length(out)).toBeLessThanOrEqual(20);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('keeps the amount when the input is integer fen formatted by amountFromFen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999 }), (fen) => {
        const text = amountFromFen(fen);
        expect(isValid('amount', text)).toBe(true);
        expect(sanitizeField('amount', text)).toBe(text);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe('thing', () => {
  it('truncates a 25-character Chinese product name to 19 characters and an ellipsis', () => {
    const name = '云南高山新鲜现摘水果玉米甜糯可生吃整箱五斤装包邮到家'.slice(0, 25);
    expect(length(name)).toBe(25);
    expect(validateField('thing', name)).toEqual({ ok: false, reason: 'thing: more than 20 characters' });

    const out = sanitizeField('thing', name);

    expect(out).toBe(`${name.slice(0, 19)}…`);
    expect(length(out)).toBe(20);
  });

  it('counts an emoji as one character but removes it, since WeChat refuses it', () => {
    expect(validateField('thing', '草莓🍓').ok).toBe(false);
    expect(sanitizeField('thing', '草莓🍓')).toBe('草莓');
    expect(sanitizeField('thing', '草莓❤️1️⃣')).toBe('草莓1');
    expect(sanitizeField('thing', '🍓🍓')).toBe(FIELD_PLACEHOLDERS.thing);
  });

  it('never splits a surrogate pair when cutting', () => {
    const raw = `${'好'.repeat(18)}𠮷𠮷𠮷`;
    const out = sanitizeField('thing', raw);
    expect(hasLoneSurrogate(out)).toBe(false);
    expect(isValid('thing', out)).toBe(true);
  });

  it('turns line breaks into single spaces and trims', () => {
    expect(sanitizeField('thing', '  第一行\n\n第二行\t ')).toBe('第一行 第二行');
  });

  it('is empty → placeholder', () => {
    expect(validateField('thing', '')).toEqual({ ok: false, reason: 'thing: empty' });
    expect(sanitizeField('thing', '   ')).toBe('-');
  });
});

describe('amount', () => {
  it('formats ¥12,345,678.90 (1234567890 fen) with exactly 10 digits', () => {
    expect(amountFromFen(1_234_567_890)).toBe('¥12345678.90');
    expect(isValid('amount', '¥12345678.90')).toBe(true);
    expect(sanitizeField('amount', '¥12,345,678.90')).toBe('¥12345678.90');
  });

  it('drops the fen when 10 digits are not enough, rounding half up, and caps beyond that', () => {
    expect(amountFromFen(12_345_678_950)).toBe('¥123456790');
    expect(amountFromFen(999_999_999_949)).toBe('¥9999999999');
    expect(amountFromFen(10n ** 15n)).toBe('¥9999999999');
  });

  it('accepts a currency symbol or a trailing 元, nothing else', () => {
    expect(isValid('amount', '¥12.50')).toBe(true);
    expect(isValid('amount', '12.50元')).toBe(true);
    expect(isValid('amount', '12.50')).toBe(false);
    expect(isValid('amount', '¥12.505')).toBe(false);
    expect(isValid('amount', '¥123456789.00')).toBe(false);
    expect(sanitizeField('amount', '12.5')).toBe('¥12.50');
    expect(sanitizeField('amount', '￥12.505元')).toBe('¥12.51元');
    expect(sanitizeField('amount', '免费')).toBe('¥0.00');
  });
});

describe('other kinds', () => {
  it.each<[FieldKind, string, string]>([
    ['character_string', 'GB-20261124-0007', 'GB-20261124-0007'],
    ['character_string', '订单 Ａ12-3', 'A12-3'],
    ['character_string', 'x'.repeat(40), 'x'.repeat(32)],
    ['phrase', '已退款!', '已退款'],
    ['phrase', '退款处理中了', '退款处理中'],
    ['phrase', 'ok', '未知'],
    ['name', '张阿姨😀', '张阿姨'],
    ['name', '欧阳娜娜Nana Ouyang', '欧阳娜娜Nana O'],
    ['name', 'Alexandra Catherine Smith', 'Alexandra Catherine'],
    ['number', '1,234.5', '1234.5'],
    ['number', '12件', '12'],
    ['phone_number', '+86 138-0013-8000', '+86 138-0013-8000'],
    ['phone_number', '电话：138 0013 8000（张）', '138 0013 8000'],
    ['phone_number', '138****8000', '138****8000'],
    ['letter', 'ab12cd', 'abcd'],
    ['symbol', 'a+b-c*d/e=f', '+-*/='],
    ['car_number', '粤a8z888挂', '粤A8Z888挂'],
    ['time', '2026-11-24 22:00', '2026-11-24 22:00'],
    ['time', '15:01', '15:01'],
    ['time', '2026年11月24日 15:01~16:00', '2026年11月24日 15:01~16:00'],
    ['time', '到货 2026-11-25 16:00:00 左右', '2026-11-25 16:00:00'],
    ['time', '25:00', '00:00'],
    ['date', '2026-11-24', '2026-11-24'],
    ['date', '2026-11-24 22:00', '2026-11-24 22:00'],
    ['date', '15:01', '1970-01-01'],
  ])('%s %j → %j', (kind, raw, expected) => {
    const out = sanitizeField(kind, raw);
    expect(out).toBe(expected);
    expect(isValid(kind, out)).toBe(true);
  });

  it('rejects what WeChat rejects', () => {
    expect(isValid('phrase', '配送中')).toBe(true);
    expect(isValid('phrase', '配送中1')).toBe(false);
    expect(isValid('character_string', '北京')).toBe(false);
    expect(isValid('name', '张三三三三三三三三三三')).toBe(false);
    expect(isValid('number', '-1')).toBe(false);
    expect(isValid('date', '2026-13-01')).toBe(false);
    expect(isValid('time', '2026-11-24')).toBe(false);
    expect(isValid('phone_number', '1'.repeat(18))).toBe(false);
  });
});
