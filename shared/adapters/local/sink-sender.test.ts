import { describe, expect, it } from 'vitest';
import { createInMemorySinkStore, createSinkSender } from './sink-sender.ts';

describe('sink sender', () => {
  it('records each push as it would go to WeChat, with the time, and reports it sent', async () => {
    const store = createInMemorySinkStore();
    const times = ['2026-11-25T08:00:00.000Z', '2026-11-25T08:00:01.000Z'];
    const sender = createSinkSender(store, () => times.shift()!);
    const data = { thing2: { value: '阳光花园' } };

    expect(await sender.send({ touser: 'o-1', templateId: 'TPL-a', page: 'pages/x/index', data })).toEqual({ status: 'sent' });
    expect(await sender.send({ touser: 'o-2', templateId: 'TPL-b', data })).toEqual({ status: 'sent' });
    data.thing2.value = 'changed later';

    expect(store.entries()).toEqual([
      { touser: 'o-1', templateId: 'TPL-a', page: 'pages/x/index', data: { thing2: { value: '阳光花园' } }, sentAt: '2026-11-25T08:00:00.000Z' },
      { touser: 'o-2', templateId: 'TPL-b', data: { thing2: { value: '阳光花园' } }, sentAt: '2026-11-25T08:00:01.000Z' },
    ]);
    store.clear();
    expect(store.entries()).toEqual([]);
  });
});
