import { afterAll, describe } from 'vitest';
import { describeItemStoreContract } from '../support/store-contract.ts';
import { COLLECTIONS, collectionOf, createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { CLOUDBASE_COLLECTIONS, ensureCloudbaseCollections, managerAcl } from '../../scripts/lib/cloudbase-collections.ts';
import { nodeSdk } from '../support/cloudbase-double/sdk.ts';

/**
 * The ItemStore contract against a real CloudBase environment, through @cloudbase/node-sdk.
 * Each run creates its own collections (with the init script's indexes and ADMINONLY
 * permission) and drops them after. Skipped, saying so, without TCB_ENV_ID, TCB_SECRET_ID and
 * TCB_SECRET_KEY.
 */
const { TCB_ENV_ID: env, TCB_SECRET_ID: secretId, TCB_SECRET_KEY: secretKey } = process.env;
const live = !!(env && secretId && secretKey);

describe.skipIf(!live)('CloudBase live (skipped unless TCB_ENV_ID, TCB_SECRET_ID and TCB_SECRET_KEY are set)', () => {
  const run = `t${Date.now().toString(36)}`;
  const rename = (name: string) => `${name}_${run}`;
  let dropCollections = async () => {};

  describeItemStoreContract('CloudBase live', async () => {
    const { default: CloudBase } = await import('@cloudbase/manager-node');
    const manager = new CloudBase({ secretId: secretId!, secretKey: secretKey!, envId: env! });
    const admin = {
      createCollectionIfNotExists: (name: string) => manager.database.createCollectionIfNotExists(name),
      checkIndexExists: (name: string, indexName: string) => manager.database.checkIndexExists(name, indexName),
      updateCollection: (name: string, info: object) => manager.database.updateCollection(name, info as never),
      ...managerAcl(manager as never, env!),
    };
    await ensureCloudbaseCollections(admin, CLOUDBASE_COLLECTIONS, rename);
    dropCollections = async () => {
      for (const name of COLLECTIONS) await manager.database.deleteCollection(rename(name)).catch(() => undefined);
    };
    return createCloudbaseItemStore({
      db: nodeSdk().init({ env: env!, secretId: secretId!, secretKey: secretKey! }).database(),
      collectionOf: (pk) => rename(collectionOf(pk)),
      indexCollections: COLLECTIONS.map(rename),
    });
  });

  afterAll(() => dropCollections(), 120_000);
});
