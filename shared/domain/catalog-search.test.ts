import { describe, expect, it } from 'vitest';
import { rankBySearch, searchKeysOf, searchRank } from './catalog-search.ts';

describe('catalogue search', () => {
  const products = ['西红柿', '小黄瓜', '红薯', '番茄 西红柿汁', '五常大米 5kg'].map((title) => ({ title, ...searchKeysOf(title) }));
  const find = (q: string) => rankBySearch(products, q, (p) => p).map((p) => p.title);

  it('stores full pinyin and initials', () => {
    expect(searchKeysOf('西红柿')).toEqual({ searchPinyin: 'xihongshi', searchInitials: 'xhs' });
    expect(searchKeysOf('五常大米 5kg').searchInitials).toBe('wcdm5kg');
  });

  it('finds 西红柿 by initials, full pinyin and Chinese, ranked', () => {
    expect(find('xhs')[0]).toBe('西红柿');
    expect(find('xihongshi')[0]).toBe('西红柿');
    expect(find('西红')).toEqual(['西红柿', '番茄 西红柿汁']);
    expect(find('XiHong')[0]).toBe('西红柿');
    expect(find('hong')).toEqual(['红薯', '西红柿', '番茄 西红柿汁']);
    expect(find('zzz')).toEqual([]);
  });

  it('ranks exact > prefix > contains > initials prefix > pinyin', () => {
    const k = searchKeysOf('西红柿');
    expect(searchRank('西红柿', k, '西红柿')).toBe(0);
    expect(searchRank('西红柿', k, '西红')).toBe(1);
    expect(searchRank('西红柿', k, '红柿')).toBe(2);
    expect(searchRank('西红柿', k, 'xh')).toBe(3);
    expect(searchRank('西红柿', k, 'xihong')).toBe(4);
    expect(searchRank('西红柿', k, 'hongshi')).toBe(5);
    expect(searchRank('西红柿', k, '  ')).toBeUndefined();
  });
});
