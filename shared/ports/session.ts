/** Signed session tokens: who the caller is, never what they may do (roles come from data). */
export interface SessionTokens {
  issue(userId: string): Promise<{ token: string; expiresAt: number }>;
  /**
   * A staff token (browser sign-in): subject `staffSubject(staffId)`, the staff audience, short
   * lived (8 h). Its roles and status are looked up on every call, as any caller's.
   */
  issueStaff(staffId: string): Promise<{ token: string; expiresAt: number }>;
  /** The user id (for a staff token `staffSubject(id)`), or undefined when the token is missing, forged or expired. */
  verify(token: string): Promise<string | undefined>;
}

/**
 * The user id a staff token stands for: `staff:<id>`. No openid contains `:` (WeChat's are
 * base64url, dev login refuses it), so a staff subject is never mistaken for a customer.
 */
export const STAFF_SUBJECT_PREFIX = 'staff:';
export const staffSubject = (staffId: string) => `${STAFF_SUBJECT_PREFIX}${staffId}`;
/** The staff id of a staff subject, or undefined for an openid. */
export const staffIdOfSubject = (userId: string) => (userId.startsWith(STAFF_SUBJECT_PREFIX) ? userId.slice(STAFF_SUBJECT_PREFIX.length) : undefined);

/** WeChat's code2session: a `wx.login` code → the user's openid. */
export interface WechatLogin {
  exchange(code: string): Promise<{ openid: string; unionid?: string }>;
}

/**
 * Contact data encryption at rest (AES-256-GCM with 16-byte tags). Each sealed value names the
 * key that sealed it (rotation: new writes use the current key, older keys still open) and is
 * bound to its record: `recordId` is the additional authenticated data, so a sealed value
 * copied to another record does not open.
 */
export interface ContactCipher {
  encrypt(plain: string, recordId: string): string;
  /** Throws when the value is malformed, its key unknown, its tag short or wrong, or it belongs to another record. */
  decrypt(sealed: string, recordId: string): string;
  /** True when `sealed` is in the current format under the current key (rekeying leaves it as it is). */
  isCurrent(sealed: string): boolean;
  /**
   * A keyed hash (HMAC-SHA256, base64url) of text that carries contact data, e.g. the
   * idempotency fingerprint of an order's input: comparable, but no one without the key can
   * test a guessed name and phone against it.
   */
  mac(text: string): string;
}
