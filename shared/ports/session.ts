/** Signed session tokens: who the caller is, never what they may do (roles come from data). */
export interface SessionTokens {
  issue(userId: string): Promise<{ token: string; expiresAt: number }>;
  /** The user id, or undefined when the token is missing, forged or expired. */
  verify(token: string): Promise<string | undefined>;
}

/** WeChat's code2session: a `wx.login` code → the user's openid. */
export interface WechatLogin {
  exchange(code: string): Promise<{ openid: string; unionid?: string }>;
}

/** Contact data encryption at rest (AES-256-GCM, key id stored for rotation). */
export interface ContactCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}
