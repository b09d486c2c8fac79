import type { Deps } from '#app/deps';
import { createDocumentClient, createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { parseConfig } from '#platform/config';
import { assembleDeps } from './shared.ts';

/** AWS and the local stack: DynamoDB (DYNAMO_ENDPOINT points at DynamoDB Local). */
export function awsDeps(env: Record<string, string | undefined> = process.env): () => Promise<Deps> {
  let deps: Promise<Deps> | undefined;
  return () =>
    (deps ??= (async () => {
      const config = parseConfig(env);
      const local = config.DYNAMO_ENDPOINT !== undefined;
      const client = createDocumentClient(
        local
          ? { endpoint: config.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : {},
      );
      const store = createDynamoItemStore({ tableName: config.TABLE_NAME!, client });
      return assembleDeps({ config, store });
    })().catch((e) => {
      deps = undefined;
      throw e;
    }));
}

