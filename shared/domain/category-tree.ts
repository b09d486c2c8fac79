/**
 * The merchant's category tree (DESIGN.md §14): each category has an optional parent and an
 * order among its siblings. A tree is valid when ids are unique, every parent exists and no
 * category is its own ancestor.
 */
export interface Category {
  id: string;
  name: string;
  parentId?: string;
  order: number;
}

export interface TreeIssue {
  path: string;
  message: string;
}

/** What is wrong with a tree (empty when it is valid), one issue per bad field. */
export function categoryTreeIssues(categories: readonly Category[]): TreeIssue[] {
  const issues: TreeIssue[] = [];
  const byId = new Map<string, Category>();
  categories.forEach((c, i) => {
    if (byId.has(c.id)) issues.push({ path: `${i}.id`, message: `duplicate id ${c.id}` });
    else byId.set(c.id, c);
  });
  categories.forEach((c, i) => {
    if (c.parentId === undefined) return;
    if (!byId.has(c.parentId)) {
      issues.push({ path: `${i}.parentId`, message: `no category ${c.parentId}` });
      return;
    }
    // Walk up; meeting the start again (or looping longer than the tree) is a cycle.
    let at: Category | undefined = c;
    for (let steps = 0; at?.parentId !== undefined; steps++) {
      at = byId.get(at.parentId);
      if (at === c || steps > categories.length) {
        issues.push({ path: `${i}.parentId`, message: 'makes a cycle' });
        break;
      }
    }
  });
  return issues;
}

/** Parents before children, siblings by `order` then name: the order a console draws the tree in. */
export function sortCategoryTree(categories: readonly Category[]): Category[] {
  const children = new Map<string | undefined, Category[]>();
  for (const c of categories) children.set(c.parentId, [...(children.get(c.parentId) ?? []), c]);
  const out: Category[] = [];
  const visit = (parent: string | undefined) => {
    for (const c of (children.get(parent) ?? []).sort((a, b) => a.order - b.order || a.name.localeCompare(b.name, 'zh'))) {
      out.push(c);
      visit(c.id);
    }
  };
  visit(undefined);
  return out;
}

/** A category and everything under it (its id, and the ids of its descendants). */
export function categoryAndDescendants(categories: readonly Category[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of categories) if (c.parentId !== undefined && out.has(c.parentId) && !out.has(c.id)) out.add(c.id), (grew = true);
  }
  return out;
}
