/**
 * Masking of customer contact data (DESIGN.md §5): a leader sees a masked name and the
 * phone's last four digits, never the full values. These helpers never log, and their errors
 * never quote the value they were given.
 */

const graphemes = new Intl.Segmenter('zh', { granularity: 'grapheme' });

/** Splits text into user-perceived characters (a rare Han character or emoji counts once). */
function chars(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
}

/**
 * Masks a contact name, keeping only the first character: Chinese names get one `*` per
 * hidden character ('张三丰' → '张**', '王五' → '王*'); names written in Latin letters get a
 * single `*` whatever their length ('Alice Wong' → 'A*'), which hides the length too; a
 * one-character name becomes '*'. Surrounding spaces are ignored; an empty name stays empty.
 */
export function maskName(name: string): string {
  const cs = chars(name.trim());
  const first = cs[0];
  if (first === undefined) return '';
  if (cs.length === 1) return '*';
  if (/^\p{Script=Latin}/u.test(first)) return `${first}*`;
  return first + '*'.repeat(cs.length - 1);
}

/**
 * Control and bidirectional-formatting characters (C0, DEL, C1, LRM/RLM, LRE…RLO, LRI…PDI):
 * in a name they can break a label or CSV row, or reorder what a leader reads on screen.
 */
const UNSAFE_IN_NAME = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** True when a contact name (or other short display text) holds a control or bidi character. */
export function hasControlOrBidi(text: string): boolean {
  return UNSAFE_IN_NAME.test(text);
}

/** True for a mainland China mobile number as stored: exactly 11 digits, `1[3-9]` first. */
export function isMainlandMobile(s: string): boolean {
  return /^1[3-9]\d{9}$/.test(s);
}

/** The digits of a phone number, without separators or a +86 / 0086 country prefix. */
function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^(?:0086|86)(?=1[3-9]\d{9}$)/, '');
}

/**
 * The last four digits of a phone number ('13812345678' → '5678'), used for the leader's
 * lookup and the pick label. Throws a RangeError (without the value) when there are fewer.
 */
export function phoneTail(phone: string): string {
  const digits = phoneDigits(phone);
  if (digits.length < 4) throw new RangeError('phone number has fewer than 4 digits');
  return digits.slice(-4);
}

/**
 * A phone number for display: a mainland mobile keeps its first three and last four digits
 * ('13812345678' → '138****5678'); any other number keeps only its last four digits, and a
 * number of four digits or fewer is masked entirely.
 */
export function maskPhone(phone: string): string {
  const digits = phoneDigits(phone);
  if (isMainlandMobile(digits)) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}
