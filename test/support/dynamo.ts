import { inject } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient } from '../../scripts/lib/dynamo-local.ts';
import { createDynamoItemStore, type DocumentSender } from '#adapters/dynamodb/item-store';
import type { ItemStore } from '#ports/item-store';

let counter = 0;

/** A fresh table in the shared DynamoDB Local, reached through the real adapter. */
export async function createTestStore(options: { wrap?: (c: DocumentSender) => DocumentSender } = {}): Promise<{ store: ItemStore; tableName: string; endpoint: string }> {
  const endpoint = inject('dynamoEndpoint');
  const raw = localClient(endpoint);
  const tableName = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await ensureTable(raw, tableName);
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const client = options.wrap ? options.wrap(doc) : doc;
  return { store: createDynamoItemStore({ tableName, client }), tableName, endpoint };
}
