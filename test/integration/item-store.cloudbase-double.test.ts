import { describeItemStoreContract } from '../support/store-contract.ts';
import { createCloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';

// The same contract as DynamoDB Local, through the real @cloudbase/node-sdk wired to the double.
describeItemStoreContract('CloudBase double', async () => {
  const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
  return createCloudbaseItemStore({ db: double.db });
});
