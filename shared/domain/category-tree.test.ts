import { describe, expect, it } from 'vitest';
import { categoryAndDescendants, categoryTreeIssues, sortCategoryTree } from './category-tree.ts';

describe('category tree', () => {
  const tree = [
    { id: 'veg', name: '蔬菜', order: 1 },
    { id: 'leafy', name: '叶菜', parentId: 'veg', order: 2 },
    { id: 'root', name: '根茎', parentId: 'veg', order: 1 },
    { id: 'fruit', name: '水果', order: 0 },
  ];
  it('accepts a tree and sorts parents first, siblings by order', () => {
    expect(categoryTreeIssues(tree)).toEqual([]);
    expect(sortCategoryTree(tree).map((c) => c.id)).toEqual(['fruit', 'veg', 'root', 'leafy']);
    expect([...categoryAndDescendants(tree, 'veg')].sort()).toEqual(['leafy', 'root', 'veg']);
  });
  it('refuses a missing parent, a duplicate id and a cycle', () => {
    expect(categoryTreeIssues([...tree, { id: 'x', name: 'x', parentId: 'nope', order: 0 }])).toEqual([{ path: '4.parentId', message: 'no category nope' }]);
    expect(categoryTreeIssues([...tree, { id: 'veg', name: 'x', order: 0 }])[0]!.path).toBe('4.id');
    const cyc = [
      { id: 'a', name: 'a', parentId: 'b', order: 0 },
      { id: 'b', name: 'b', parentId: 'a', order: 0 },
    ];
    expect(categoryTreeIssues(cyc).map((i) => i.message)).toEqual(['makes a cycle', 'makes a cycle']);
    expect(categoryTreeIssues([{ id: 'a', name: 'a', parentId: 'a', order: 0 }])[0]!.message).toBe('makes a cycle');
  });
});
