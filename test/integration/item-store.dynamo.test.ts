import { describeItemStoreContract } from '../support/store-contract.ts';
import { createTestStore } from '../support/dynamo.ts';

describeItemStoreContract('DynamoDB Local', async () => (await createTestStore()).store);
