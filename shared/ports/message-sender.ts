/**
 * Sends one subscription message (订阅消息) to one user. The result tells the notify job what
 * to do with the outbox entry: done, skipped (no quota), retried with backoff, or dead-lettered.
 */
export interface OutgoingMessage {
  /** The recipient's openid. */
  touser: string;
  templateId: string;
  /** Mini-program page the card opens; none means the card does not open a page. */
  page?: string;
  /** Template data, already sanitized to WeChat's field rules (see renderMessage). */
  data: Record<string, { value: string }>;
}

export type SendResult =
  | { status: 'sent' }
  /** 43101: the user has not subscribed or has no quota left → skip, never retry. */
  | { status: 'no_quota'; errcode: number; message: string }
  /** Transient: timeout, network, 45009 rate limit, -1 system busy, 5xx → retry with backoff. */
  | { status: 'retry'; errcode?: number; message: string }
  /** Permanent: 47003 bad data, 40003 bad openid, 40037 bad template… → dead-letter. */
  | { status: 'failed'; errcode?: number; message: string };

export interface MessageSender {
  send(message: OutgoingMessage): Promise<SendResult>;
}

/** The store partition where the local sink records what it "sent" (written by the local adapter, read by `/dev/outbox`). */
export const DEV_SINK_PARTITION = 'DEV#SINK';
