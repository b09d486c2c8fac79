import type { Condition, Update } from '#ports/item-store';

/** Builds DynamoDB expression strings with placeholder names and values. */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  name(path: string): string {
    const key = `#${path.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[key] = path;
    return key;
  }

  value(v: unknown): string {
    const key = `:v${this.n++}`;
    this.values[key] = v;
    return key;
  }

  condition(conditions: Condition[] | undefined): string | undefined {
    if (!conditions || conditions.length === 0) return undefined;
    return conditions.map((c) => this.one(c)).join(' AND ');
  }

  private one(c: Condition): string {
    switch (c.op) {
      case 'exists':
        return `attribute_exists(${this.name('pk')})`;
      case 'notExists':
        return `attribute_not_exists(${this.name('pk')})`;
      case 'attrExists':
        return `attribute_exists(${this.name(c.path)})`;
      case 'attrNotExists':
        return `attribute_not_exists(${this.name(c.path)})`;
      case 'eq':
        return `${this.name(c.path)} = ${this.value(c.value)}`;
      case 'ne':
        return `${this.name(c.path)} <> ${this.value(c.value)}`;
      case 'gt':
        return `${this.name(c.path)} > ${this.value(c.value)}`;
      case 'gte':
        return `${this.name(c.path)} >= ${this.value(c.value)}`;
      case 'lt':
        return `${this.name(c.path)} < ${this.value(c.value)}`;
      case 'lte':
        return `${this.name(c.path)} <= ${this.value(c.value)}`;
      case 'in':
        return `${this.name(c.path)} IN (${c.values.map((v) => this.value(v)).join(', ')})`;
      case 'or':
        return `(${c.conditions.map((x) => this.one(x)).join(' OR ')})`;
    }
  }

  update(u: Update): string {
    const sets: string[] = [];
    for (const [k, v] of Object.entries(u.set ?? {})) {
      if (v === undefined) continue;
      sets.push(`${this.name(k)} = ${this.value(v)}`);
    }
    for (const [k, v] of Object.entries(u.setIfAbsent ?? {})) {
      const n = this.name(k);
      sets.push(`${n} = if_not_exists(${n}, ${this.value(v)})`);
    }
    const adds = Object.entries(u.inc ?? {}).map(([k, v]) => {
      const n = this.name(k);
      return `${n} = if_not_exists(${n}, ${this.value(0)}) + ${this.value(v)}`;
    });
    const parts: string[] = [];
    if (sets.length + adds.length) parts.push(`SET ${[...sets, ...adds].join(', ')}`);
    const removes = (u.remove ?? []).map((k) => this.name(k));
    if (removes.length) parts.push(`REMOVE ${removes.join(', ')}`);
    return parts.join(' ');
  }

  attrs(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
