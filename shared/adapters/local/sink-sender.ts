/**
 * The local stage's notification sink: instead of calling WeChat it records each push exactly
 * as it would have been sent (`GET /dev/outbox` lists them) and reports it as sent.
 */
import type { MessageSender, OutgoingMessage, SendResult } from '#ports/message-sender';

export interface SinkEntry extends OutgoingMessage {
  /** ISO time the sink "sent" it. */
  sentAt: string;
}

export interface SinkStore {
  record(entry: SinkEntry): Promise<void>;
}

export const createSinkSender = (store: SinkStore, now: () => string): MessageSender => ({
  send: async (m: OutgoingMessage): Promise<SendResult> => {
    await store.record({
      touser: m.touser,
      templateId: m.templateId,
      ...(m.page !== undefined ? { page: m.page } : {}),
      data: structuredClone(m.data),
      sentAt: now(),
    });
    return { status: 'sent' };
  },
});

/** A sink store in memory, for tests and a single-process local stage. */
export const createInMemorySinkStore = (): SinkStore & { entries(): SinkEntry[]; clear(): void } => {
  const entries: SinkEntry[] = [];
  return {
    record: async (entry) => {
      entries.push(entry);
    },
    entries: () => entries.map((e) => structuredClone(e)),
    clear: () => {
      entries.length = 0;
    },
  };
};
