import type { Key } from '#ports/item-store';

/**
 * Keys of the audit trail (shared/app/audit). An entry lives in its month's partition
 * (`AUDIT#<YYYY-MM>` / `<at>#<id>`, business time), so "the latest entries" reads one month at
 * a time newest first; GSI1 `AUDIT#T#<target>` finds a target's history and GSI2
 * `AUDIT#A#<actor>` an actor's, both sorted by `<at>#<id>`. Entries are only ever put with a
 * not-exists condition: nothing updates or deletes them.
 */
export const auditKeys = {
  entry: (month: string, at: string, id: string): Key => ({ pk: `AUDIT#${month}`, sk: `${at}#${id}` }),
  month: (month: string) => ({ pk: `AUDIT#${month}` }),
  targetIndex: (target: string, at: string, id: string) => ({ gsi1pk: `AUDIT#T#${target}`, gsi1sk: `${at}#${id}` }),
  byTarget: (target: string) => ({ index: 'gsi1' as const, pk: `AUDIT#T#${target}` }),
  actorIndex: (actor: string, at: string, id: string) => ({ gsi2pk: `AUDIT#A#${actor}`, gsi2sk: `${at}#${id}` }),
  byActor: (actor: string) => ({ index: 'gsi2' as const, pk: `AUDIT#A#${actor}` }),
} as const;
