/**
 * Sends one text message (短信) to one phone number: the fallback channel of a customer notice
 * that cannot be pushed for lack of subscription quota (DESIGN.md §15). Only the SMS sender of
 * the notify job calls it, with the number it has just opened; no caller logs the number.
 */
export type SmsTemplate = 'arrivalNotice' | 'pickupReminder' | 'lateNotice';

export interface SmsMessage {
  /** The full mainland number (11 digits, no +86): decrypted by the sender just before the call. */
  phone: string;
  /** Which notice; the adapter maps it to the template id configured for it. */
  template: SmsTemplate;
  /** Template parameters in order ({1}, {2}, … in the console's template text). */
  params: string[];
  /** The recipient's user id (kept by the local sink only, so an erased account leaves nothing there). */
  userId?: string;
}

export type SmsResult =
  | { status: 'sent' }
  /** Transient: network, rate limit, provider busy → retried with backoff. */
  | { status: 'retry'; message: string }
  /** Permanent: a bad number, an unapproved template or sign → dead letter. */
  | { status: 'failed'; message: string };

export interface SmsSender {
  send(message: SmsMessage): Promise<SmsResult>;
}

/** The store partition where the local SMS sink records what it "sent" (`GET /dev/sms`). */
export const DEV_SMS_PARTITION = 'DEV#SMS';
