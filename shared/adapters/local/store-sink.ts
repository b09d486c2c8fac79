import type { ItemStore } from '#ports/item-store';
import { queryAll } from '#ports/item-store';
import { DEV_SINK_PARTITION } from '#ports/message-sender';
import type { SinkEntry, SinkStore } from './sink-sender.ts';

/** The local sink kept in the store, so every local function process sees what was "sent". */
export function createStoreSink(store: ItemStore): SinkStore & { list(): Promise<SinkEntry[]> } {
  let n = 0;
  return {
    async record(entry) {
      await store.write({ type: 'put', item: { pk: DEV_SINK_PARTITION, sk: `${entry.sentAt}#${process.pid}#${n++}#${Math.random().toString(36).slice(2, 8)}`, ...entry } });
    },
    async list() {
      const items = await queryAll(store, { pk: DEV_SINK_PARTITION, consistent: true });
      return items.map(({ pk, sk, ...e }) => e as unknown as SinkEntry);
    },
  };
}
