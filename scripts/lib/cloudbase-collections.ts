import { COLLECTIONS } from '#adapters/cloudbase/collections';

/**
 * The CloudBase collections of the item store and their indexes, in the shape
 * @cloudbase/manager-node's `database.updateCollection(name, { CreateIndexes })` takes.
 * Every collection carries all three: a GSI query reads every collection (any kind of item may
 * carry gsi1/gsi2 keys), and `_id` closes each GSI index so a page sorted by
 * (gsi sort key, _id) is read from the index instead of sorted in memory.
 */
export interface CollectionIndex {
  IndexName: string;
  MgoKeySchema: { MgoIsUnique: boolean; MgoIndexKeys: { Name: string; Direction: '1' | '-1' }[] };
}

export interface CollectionSpec {
  name: string;
  indexes: CollectionIndex[];
}

const index = (name: string, unique: boolean, fields: string[]): CollectionIndex => ({
  IndexName: name,
  MgoKeySchema: { MgoIsUnique: unique, MgoIndexKeys: fields.map((Name) => ({ Name, Direction: '1' as const })) },
});

export const ITEM_INDEXES: readonly CollectionIndex[] = [
  index('pk_sk', true, ['pk', 'sk']),
  index('gsi1', false, ['gsi1pk', 'gsi1sk', '_id']),
  index('gsi2', false, ['gsi2pk', 'gsi2sk', '_id']),
  // The expiry job's filter (`expiresAt` < now), as DynamoDB's TTL attribute.
  index('ttl', false, ['expiresAt']),
];

export const CLOUDBASE_COLLECTIONS: readonly CollectionSpec[] = COLLECTIONS.map((name) => ({ name, indexes: [...ITEM_INDEXES] }));

export const CLOUDBASE_COLLECTION_NAMES: readonly string[] = CLOUDBASE_COLLECTIONS.map((c) => c.name);

/**
 * Every collection is closed to clients (DESIGN.md §11): ADMINONLY, "only administrators may
 * read and write", i.e. only the cloud functions (server-side SDKs act as administrator). A
 * mini-program's `wx.cloud.database()` can neither read nor write any of them.
 */
export const COLLECTION_ACL = 'ADMINONLY';

/** The part of manager-node's `app.database` used to create collections and indexes, and to set their permission. */
export interface CollectionAdmin {
  createCollectionIfNotExists(name: string): Promise<unknown>;
  checkIndexExists(name: string, indexName: string): Promise<{ Exists: boolean }>;
  updateCollection(name: string, info: { CreateIndexes?: CollectionIndex[] }): Promise<unknown>;
  /** The collection's permission now (DescribeDatabaseACL) and setting it (ModifyDatabaseACL). */
  aclOf(name: string): Promise<string | undefined>;
  setAcl(name: string, aclTag: string): Promise<unknown>;
}

/**
 * The ACL calls of the Tencent Cloud TCB API (ModifyDatabaseACL / DescribeDatabaseACL, version
 * 2018-06-08) through manager-node's `commonService().call`.
 */
export function managerAcl(manager: { commonService(): { call(o: { Action: string; Param: Record<string, unknown> }): Promise<any> } }, envId: string) {
  return {
    aclOf: async (name: string) => (await manager.commonService().call({ Action: 'DescribeDatabaseACL', Param: { EnvId: envId, CollectionName: name } }))?.AclTag as string | undefined,
    setAcl: (name: string, aclTag: string) => manager.commonService().call({ Action: 'ModifyDatabaseACL', Param: { EnvId: envId, CollectionName: name, AclTag: aclTag } }),
  };
}

/** Creates the missing collections and indexes (safe to run again). `rename` maps names, e.g. per test run. */
export async function ensureCloudbaseCollections(
  admin: CollectionAdmin,
  specs: readonly CollectionSpec[] = CLOUDBASE_COLLECTIONS,
  rename: (name: string) => string = (name) => name,
): Promise<void> {
  for (const spec of specs) {
    const name = rename(spec.name);
    await admin.createCollectionIfNotExists(name);
    const missing: CollectionIndex[] = [];
    for (const idx of spec.indexes) if (!(await admin.checkIndexExists(name, idx.IndexName)).Exists) missing.push(idx);
    if (missing.length) await admin.updateCollection(name, { CreateIndexes: missing });
    if ((await admin.aclOf(name)) !== COLLECTION_ACL) await admin.setAcl(name, COLLECTION_ACL);
  }
}
