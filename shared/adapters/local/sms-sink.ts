import { queryAll, type ItemStore } from '#ports/item-store';
import { DEV_SMS_PARTITION, type SmsSender } from '#ports/sms';

/**
 * The local stage's SMS sink: records each text as it would have gone out (`GET /dev/sms`, the
 * phone in full only there) and reports it sent. Kept in the store so every local function
 * process sees it.
 */
export interface SmsSinkEntry {
  phone: string;
  template: string;
  params: string[];
  sentAt: string;
  userId?: string;
}

export function createStoreSmsSink(store: ItemStore, now: () => string): SmsSender & { list(): Promise<SmsSinkEntry[]> } {
  let n = 0;
  return {
    async send(m) {
      const sentAt = now();
      await store.write({
        type: 'put',
        item: { pk: DEV_SMS_PARTITION, sk: `${sentAt}#${process.pid}#${n++}#${Math.random().toString(36).slice(2, 8)}`, phone: m.phone, template: m.template, params: [...m.params], sentAt, ...(m.userId ? { userId: m.userId } : {}) },
      });
      return { status: 'sent' };
    },
    async list() {
      const items = await queryAll(store, { pk: DEV_SMS_PARTITION, consistent: true });
      return items.map((it) => ({ phone: String(it.phone), template: String(it.template), params: (it.params as string[]) ?? [], sentAt: String(it.sentAt), ...(it.userId ? { userId: String(it.userId) } : {}) }));
    },
  };
}

/** An SMS sink in memory, for tests. */
export function createMemorySmsSink(now: () => string = () => new Date().toISOString()): SmsSender & { entries: SmsSinkEntry[] } {
  const entries: SmsSinkEntry[] = [];
  return {
    entries,
    async send(m) {
      entries.push({ phone: m.phone, template: m.template, params: [...m.params], sentAt: now(), ...(m.userId ? { userId: m.userId } : {}) });
      return { status: 'sent' };
    },
  };
}
