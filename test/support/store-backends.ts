import { afterEach } from 'vitest';
import type { ItemStore } from '#ports/item-store';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudbaseDouble } from './cloudbase-double/index.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';

/**
 * Both stores for `describe.each`: DynamoDB Local (`make` answers undefined: the harness's
 * default) and the CloudBase double (parity), each double uninstalled after its test.
 */
export function storeBackends(): { name: string; make: () => Promise<ItemStore | undefined> }[] {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));
  return [
    { name: 'DynamoDB Local', make: async () => undefined },
    {
      name: 'the CloudBase double',
      make: async () => {
        const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
        cleanups.push(() => double.uninstall());
        return createCloudbaseItemStore({ db: double.db });
      },
    },
  ];
}
