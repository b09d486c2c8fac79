import { afterAll, describe, it } from 'vitest';
import { describeItemStoreContract } from '../support/store-contract.ts';
import { COLLECTIONS, collectionOf, createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { CLOUDBASE_COLLECTIONS, ensureCloudbaseCollections } from '../../scripts/lib/cloudbase-collections.ts';
import { nodeSdk } from '../support/cloudbase-double/sdk.ts';

/**
 * The ItemStore contract against a real CloudBase environment, through @cloudbase/node-sdk.
 * Each run creates its own collections (with the init script's indexes) and drops them after.
 */
const { TCB_ENV_ID: env, TCB_SECRET_ID: secretId, TCB_SECRET_KEY: secretKey } = process.env;

if (!env || !secretId || !secretKey) {
  describe.skip('ItemStore contract: CloudBase live — skipped: set TCB_ENV_ID, TCB_SECRET_ID and TCB_SECRET_KEY to run it against a real environment', () => {
    it('runs the contract', () => {});
  });
} else {
  const run = `t${Date.now().toString(36)}`;
  const rename = (name: string) => `${name}_${run}`;
  let dropCollections = async () => {};

  describeItemStoreContract('CloudBase live', async () => {
    const { default: CloudBase } = await import('@cloudbase/manager-node');
    const manager = new CloudBase({ secretId, secretKey, envId: env });
    await ensureCloudbaseCollections(manager.database, CLOUDBASE_COLLECTIONS, rename);
    dropCollections = async () => {
      for (const name of COLLECTIONS) await manager.database.deleteCollection(rename(name)).catch(() => undefined);
    };
    return createCloudbaseItemStore({
      db: nodeSdk().init({ env, secretId, secretKey }).database(),
      collectionOf: (pk) => rename(collectionOf(pk)),
      indexCollections: COLLECTIONS.map(rename),
    });
  });

  afterAll(() => dropCollections(), 120_000);
}
