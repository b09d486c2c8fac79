/**
 * WeChat subscription-message (订阅消息) field kinds and their value rules, as documented for
 * subscribeMessage.send (参数值内容限制). A value that breaks them makes WeChat answer 47003
 * and the push is lost, so every value is sanitized into the rules before it is sent.
 *
 * Lengths are counted in Unicode code points (an emoji is one character). The validator is
 * slightly stricter than WeChat where WeChat is vague (no astral characters or emoji in text,
 * no leading/trailing spaces), so that what passes here is safe to send.
 */

export type FieldKind =
  | 'thing'
  | 'character_string'
  | 'phrase'
  | 'name'
  | 'amount'
  | 'time'
  | 'date'
  | 'number'
  | 'phone_number'
  | 'letter'
  | 'symbol'
  | 'car_number';

export const FIELD_KINDS: readonly FieldKind[] = [
  'thing',
  'character_string',
  'phrase',
  'name',
  'amount',
  'time',
  'date',
  'number',
  'phone_number',
  'letter',
  'symbol',
  'car_number',
];

export type FieldCheck = { ok: true } | { ok: false; reason: string };

/** Maximum length per kind, in code points (amount: digits; time/date: by format). */
export const FIELD_LIMITS = {
  thing: 20,
  character_string: 32,
  phrase: 5,
  nameChinese: 10,
  nameLatin: 20,
  amountDigits: 10,
  number: 32,
  phone_number: 17,
  letter: 32,
  symbol: 5,
  car_number: 8,
} as const;

/** What a kind falls back to when nothing usable is left; each one passes its own rule. */
export const FIELD_PLACEHOLDERS: Record<FieldKind, string> = {
  thing: '-',
  character_string: '-',
  phrase: '未知',
  name: '用户',
  amount: '¥0.00',
  time: '00:00',
  date: '1970-01-01',
  number: '0',
  phone_number: '-',
  letter: 'NA',
  symbol: '-',
  car_number: '无',
};

const ELLIPSIS = '…';

const chars = (s: string): string[] => Array.from(s);

const isAstral = (c: string): boolean => (c.codePointAt(0) ?? 0) > 0xffff;
const HAN = /^\p{Script=Han}$/u;
/** A Chinese character WeChat renders: Han script in the basic plane (no rare astral ideographs). */
const isHan = (c: string): boolean => HAN.test(c) && !isAstral(c);
const LATIN_LETTER = /^[A-Za-z]$/;
const DIGIT = /^[0-9]$/;
/** Emoji, pictographs, control/format/unassigned/private characters, variation selectors, keycaps. */
const NOT_TEXT = /[\p{Extended_Pictographic}\p{C}\p{Zl}\p{Zp}\uFE00-\uFE0F\u20E3]/u;
const isText = (c: string): boolean => !isAstral(c) && !NOT_TEXT.test(c);
const PRINTABLE_ASCII = /^[\x21-\x7E]$/;
const SYMBOL = /^[\p{P}\p{S}]$/u;
const isSymbol = (c: string): boolean => SYMBOL.test(c) && isText(c);
const NAME_SYMBOLS = new Set([' ', '·', '.', '-', "'"]);
/** Digits, '+', '-', spaces, and '*' for masked numbers ('138****8000'); WeChat allows symbols. */
const PHONE_CHARS = /^[0-9+\-* ]$/;
const CURRENCY = new Set(['¥', '￥', '$', '€', '£']);

const fail = (kind: FieldKind, reason: string): FieldCheck => ({ ok: false, reason: `${kind}: ${reason}` });
const OK: FieldCheck = { ok: true };

const checkLength = (kind: FieldKind, cs: string[], max: number): FieldCheck | undefined => {
  if (cs.length === 0) return fail(kind, 'empty');
  if (cs.length > max) return fail(kind, `more than ${max} characters`);
  return undefined;
};

const checkTrimmed = (kind: FieldKind, s: string): FieldCheck | undefined =>
  s.trim() !== s ? fail(kind, 'leading or trailing space') : s.includes('  ') ? fail(kind, 'double space') : undefined;

// ---- time and date ----------------------------------------------------------------------

const pad2 = (n: number): string => String(n).padStart(2, '0');
const DATE_PART = String.raw`(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)`;
const TIME_PART = String.raw`(\d{1,2}):(\d{2})(?::(\d{2}))?`;
const DATE_ONLY = new RegExp(`^${DATE_PART}$`);
const TIME_ONLY = new RegExp(`^${TIME_PART}$`);
const DATE_TIME = new RegExp(`^${DATE_PART} ${TIME_PART}$`);

const validDate = (m: RegExpExecArray): boolean => {
  const month = Number(m[2] ?? m[4] ?? m[6]);
  const day = Number(m[3] ?? m[5] ?? m[7]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
};
const validTime = (h: string | undefined, mi: string | undefined, s: string | undefined): boolean =>
  Number(h) <= 23 && Number(mi) <= 59 && (s === undefined || Number(s) <= 59);

/** One point in time as WeChat's time/date kinds take it: a date, a clock time, or both. */
const pointShape = (s: string): 'date' | 'time' | 'datetime' | undefined => {
  const dt = DATE_TIME.exec(s);
  if (dt) return validDate(dt) && validTime(dt[8], dt[9], dt[10]) ? 'datetime' : undefined;
  const d = DATE_ONLY.exec(s);
  if (d) return validDate(d) ? 'date' : undefined;
  const t = TIME_ONLY.exec(s);
  if (t) return validTime(t[1], t[2], t[3]) ? 'time' : undefined;
  return undefined;
};

/** time: 24-hour clock, optionally with a date; date: a date, optionally with a time; a range joins two with '~'. */
const checkTemporal = (kind: 'time' | 'date', s: string): FieldCheck => {
  const points = s.split('~');
  if (points.length > 2) return fail(kind, 'more than one "~"');
  for (const p of points) {
    const shape = pointShape(p);
    if (shape === undefined) return fail(kind, `not a valid ${kind}: "${p}"`);
    if (kind === 'time' && shape === 'date') return fail(kind, 'a time needs hours and minutes');
    if (kind === 'date' && shape === 'time') return fail(kind, 'a date needs year, month and day');
  }
  return OK;
};

// ---- amount -----------------------------------------------------------------------------

const AMOUNT = /^([¥￥$€£])?([0-9]+)(?:\.([0-9]{1,2}))?(元)?$/;

/**
 * Formats integer fen as a WeChat amount ('¥12.50'). WeChat allows at most 10 digits, so a
 * larger amount drops its fen (rounded half up to the yuan), and one beyond 10 integer digits
 * is capped at ¥9999999999. A negative amount cannot be shown (no sign allowed): it is shown
 * as its absolute value, so message builders must word the sign elsewhere. `currency` must be
 * a symbol ('¥', '$'…); the empty string is only valid with a trailing '元' added by the caller.
 */
export const amountFromFen = (fen: number | bigint, currency = '¥'): string => {
  let f = BigInt(fen);
  if (f < 0n) f = -f;
  const yuan = f / 100n;
  const cents = f % 100n;
  if (String(yuan).length + 2 <= FIELD_LIMITS.amountDigits) return `${currency}${yuan}.${String(cents).padStart(2, '0')}`;
  const rounded = (f + 50n) / 100n;
  if (String(rounded).length <= FIELD_LIMITS.amountDigits) return `${currency}${rounded}`;
  return `${currency}${'9'.repeat(FIELD_LIMITS.amountDigits)}`;
};

const checkAmount = (s: string): FieldCheck => {
  const m = AMOUNT.exec(s);
  if (!m || (m[1] === undefined && m[4] === undefined)) return fail('amount', 'not a currency amount like "¥12.50" or "12.50元"');
  const digits = (m[2] ?? '').length + (m[3] ?? '').length;
  if (digits > FIELD_LIMITS.amountDigits) return fail('amount', `more than ${FIELD_LIMITS.amountDigits} digits`);
  return OK;
};

/** Reads the first number in a free-form amount ('￥12,345.678', '12.5元') as fen, rounding half up. */
const repairAmount = (raw: string): string => {
  const s = raw.normalize('NFKC').replace(/[,\s]/g, '');
  const m = /([0-9]+)(?:\.([0-9]+))?/.exec(s);
  if (!m) return FIELD_PLACEHOLDERS.amount;
  const frac = (m[2] ?? '').padEnd(3, '0');
  const fen = BigInt(m[1] ?? '0') * 100n + BigInt(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  const symbol = chars(s).find((c) => CURRENCY.has(c));
  const withYuan = s.slice(m.index + m[0].length).startsWith('元');
  const formatted = amountFromFen(fen, symbol ?? (withYuan ? '' : '¥'));
  return withYuan ? `${formatted}元` : formatted;
};

// ---- per-kind rules ---------------------------------------------------------------------

const checkCarNumber = (cs: string[]): FieldCheck => {
  const bad = cs.findIndex((c, i) => {
    const edge = i === 0 || i === cs.length - 1;
    return !(/^[A-Z0-9]$/.test(c) || (edge && isHan(c)));
  });
  return bad >= 0 ? fail('car_number', 'Chinese only first or last, otherwise capital letters and digits') : OK;
};

/** Whether `value` is safe to send as a field of `kind`, with the broken rule when it is not. */
export const validateField = (kind: FieldKind, value: string): FieldCheck => {
  const cs = chars(value);
  switch (kind) {
    case 'thing': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.thing) ?? checkTrimmed(kind, value);
      if (bad) return bad;
      return cs.every(isText) ? OK : fail(kind, 'emoji or control characters');
    }
    case 'character_string': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.character_string);
      if (bad) return bad;
      return cs.every((c) => PRINTABLE_ASCII.test(c)) ? OK : fail(kind, 'only digits, letters and symbols');
    }
    case 'phrase': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.phrase);
      if (bad) return bad;
      return cs.every(isHan) ? OK : fail(kind, 'only Chinese characters');
    }
    case 'name': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.nameLatin) ?? checkTrimmed(kind, value);
      if (bad) return bad;
      if (!cs.every((c) => isHan(c) || LATIN_LETTER.test(c) || NAME_SYMBOLS.has(c))) {
        return fail(kind, 'only Chinese characters, letters and name punctuation');
      }
      if (cs.some(isHan) && cs.length > FIELD_LIMITS.nameChinese) {
        return fail(kind, `more than ${FIELD_LIMITS.nameChinese} characters in a Chinese name`);
      }
      return OK;
    }
    case 'amount':
      return checkAmount(value);
    case 'time':
    case 'date':
      return checkTemporal(kind, value);
    case 'number': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.number);
      if (bad) return bad;
      return /^[0-9]+(\.[0-9]+)?$/.test(value) ? OK : fail(kind, 'only digits with an optional decimal point');
    }
    case 'phone_number': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.phone_number) ?? checkTrimmed(kind, value);
      if (bad) return bad;
      return cs.every((c) => PHONE_CHARS.test(c)) ? OK : fail(kind, 'only digits, "+", "-", "*" and spaces');
    }
    case 'letter': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.letter);
      if (bad) return bad;
      return cs.every((c) => LATIN_LETTER.test(c)) ? OK : fail(kind, 'only letters');
    }
    case 'symbol': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.symbol);
      if (bad) return bad;
      return cs.every(isSymbol) ? OK : fail(kind, 'only symbols');
    }
    case 'car_number': {
      const bad = checkLength(kind, cs, FIELD_LIMITS.car_number);
      return bad ?? checkCarNumber(cs);
    }
  }
};

// ---- repair -----------------------------------------------------------------------------

/** Cuts to `max` code points (never inside a surrogate pair), trimming a dangling space. */
const cut = (cs: string[], max: number): string => cs.slice(0, max).join('').trimEnd();

/** Turns line breaks and tabs into spaces, then collapses and trims spaces. */
const tidySpaces = (s: string): string => s.replace(/\s+/gu, ' ').trim();

const keep = (s: string, allowed: (c: string) => boolean): string[] => chars(s).filter(allowed);

const repairThing = (raw: string): string => {
  const cs = chars(tidySpaces(keep(raw.replace(/\s/gu, ' '), isText).join('')));
  if (cs.length <= FIELD_LIMITS.thing) return cs.join('');
  return cut(cs, FIELD_LIMITS.thing - 1) + ELLIPSIS;
};

const repairName = (raw: string): string => {
  const cleaned = keep(raw.normalize('NFKC').replace(/\s/gu, ' '), (c) => isHan(c) || LATIN_LETTER.test(c) || NAME_SYMBOLS.has(c));
  const cs = chars(tidySpaces(cleaned.join('')));
  return cut(cs, cs.some(isHan) ? FIELD_LIMITS.nameChinese : FIELD_LIMITS.nameLatin);
};

/** Keeps digits and the first decimal point; cuts the fraction first, then the integer part. */
const repairNumber = (raw: string): string => {
  const [int = '', ...rest] = raw.normalize('NFKC').replace(/[^0-9.]/g, '').split('.');
  const frac = rest.join('');
  if (int === '' && frac === '') return '';
  const whole = (int === '' ? '0' : int).slice(0, FIELD_LIMITS.number);
  const room = FIELD_LIMITS.number - whole.length - 1;
  return frac !== '' && room > 0 ? `${whole}.${frac.slice(0, room)}` : whole;
};

const repairCarNumber = (raw: string): string => {
  const cs = keep(raw.normalize('NFKC').toUpperCase(), (c) => /^[A-Z0-9]$/.test(c) || isHan(c));
  if (cs.length === 0) return '';
  const [first = '', ...rest] = cs;
  const last = rest.length > 0 && isHan(rest[rest.length - 1] ?? '') ? rest.pop() : undefined;
  const middle = rest.filter((c) => !isHan(c));
  return [first, ...middle].slice(0, last ? FIELD_LIMITS.car_number - 1 : FIELD_LIMITS.car_number).join('') + (last ?? '');
};

/** Finds the first date/time (or range) in a messy string; it does not convert time zones. */
const repairTemporal = (kind: 'time' | 'date', raw: string): string => {
  const s = raw.normalize('NFKC').replace(/\s+/g, ' ');
  const point = kind === 'time' ? `(?:${DATE_PART} )?${TIME_PART}` : `${DATE_PART}(?: ${TIME_PART})?`;
  const found = new RegExp(`${point}(?:~${point})?`).exec(s)?.[0];
  if (found && validateField(kind, found).ok) return found;
  const single = found?.split('~')[0];
  return single && validateField(kind, single).ok ? single : '';
};

const REPAIRS: Record<FieldKind, (raw: string) => string> = {
  thing: repairThing,
  character_string: (raw) => cut(keep(raw.normalize('NFKC'), (c) => PRINTABLE_ASCII.test(c)), FIELD_LIMITS.character_string),
  phrase: (raw) => cut(keep(raw, isHan), FIELD_LIMITS.phrase),
  name: repairName,
  amount: repairAmount,
  time: (raw) => repairTemporal('time', raw),
  date: (raw) => repairTemporal('date', raw),
  number: repairNumber,
  phone_number: (raw) =>
    cut(chars(tidySpaces(keep(raw.normalize('NFKC'), (c) => PHONE_CHARS.test(c) || /\s/.test(c)).join(''))), FIELD_LIMITS.phone_number),
  letter: (raw) => cut(keep(raw.normalize('NFKC'), (c) => LATIN_LETTER.test(c)), FIELD_LIMITS.letter),
  symbol: (raw) => cut(keep(raw, isSymbol), FIELD_LIMITS.symbol),
  car_number: repairCarNumber,
};

/**
 * Makes any string acceptable as a field of `kind`: a valid value is returned unchanged;
 * otherwise characters the kind does not allow are removed, the rest is cut to the limit
 * (thing ends in '…'), and an empty result becomes the kind's placeholder.
 */
export const sanitizeField = (kind: FieldKind, value: string): string => {
  if (validateField(kind, value).ok) return value;
  const repaired = REPAIRS[kind](value);
  return validateField(kind, repaired).ok ? repaired : FIELD_PLACEHOLDERS[kind];
};
