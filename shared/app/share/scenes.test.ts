import { describe, expect, it } from 'vitest';
import { sceneOf, sceneSchema } from './scenes.ts';

describe('share scenes', () => {
  it('the same content gives the same scene whatever the field order; another content another scene; ≤ 32 characters WeChat accepts', () => {
    const a = sceneOf({ communityId: 'c-1', productId: 'p-1', leaderId: 'l-1', inviterCode: 'V12345678' });
    const b = sceneOf({ inviterCode: 'V12345678', leaderId: 'l-1', productId: 'p-1', communityId: 'c-1' });
    expect(a).toBe(b);
    expect(a).toMatch(/^s[0-9a-f]{20}$/);
    expect(sceneSchema().safeParse(a).success).toBe(true);
    const others = [
      sceneOf({ communityId: 'c-1', productId: 'p-1', leaderId: 'l-1' }),
      sceneOf({ communityId: 'c-1', productId: 'p-2', leaderId: 'l-1', inviterCode: 'V12345678' }),
      sceneOf({ communityId: 'c-1', leaderId: 'l-1', inviterCode: 'V12345678' }),
      sceneOf({ inviterCode: 'V12345678' }),
    ];
    expect(new Set([a, ...others]).size).toBe(5);
    expect(sceneOf({ communityId: 'c-1', productId: undefined })).toBe(sceneOf({ communityId: 'c-1' }));
  });

  it('refuses scenes longer than 32 characters or with characters outside [A-Za-z0-9_-]', () => {
    expect(sceneSchema().safeParse('s'.repeat(33)).success).toBe(false);
    expect(sceneSchema().safeParse('a b').success).toBe(false);
    expect(sceneSchema().safeParse('').success).toBe(false);
  });
});
