import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ConditionFailed,
  InvalidCursor,
  StoreConflict,
  TransactionCancelled,
  type Item,
  type ItemStore,
  type Key,
  type Page,
  type QueryInput,
  type WriteOp,
} from '#ports/item-store';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ExpressionBuilder } from './expressions.ts';

/** Items in errors (condition failures, cancellation reasons) come back marshalled. */
const plain = (item: unknown): Item | undefined => {
  if (!item || typeof item !== 'object') return undefined;
  const values = Object.values(item as Record<string, unknown>);
  const marshalled = values.length > 0 && values.every((v) => v && typeof v === 'object' && Object.keys(v as object).length === 1 && /^(S|N|B|SS|NS|BS|M|L|NULL|BOOL)$/.test(Object.keys(v as object)[0]!));
  return (marshalled ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item) as Item;
};

/** The subset of the document client this adapter uses; tests wrap it to inject faults. */
export interface DocumentSender {
  send(command: unknown): Promise<any>;
}

export interface DynamoStoreOptions {
  tableName: string;
  client: DocumentSender;
  /** Attempts for a transaction cancelled only by TransactionConflict (DESIGN.md §5). */
  conflictAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

const encodeCursor = (k: Record<string, unknown> | undefined) =>
  k ? Buffer.from(JSON.stringify(k)).toString('base64url') : undefined;
/** The LastEvaluatedKey a cursor carries: an object of string key attributes, else InvalidCursor. */
function decodeCursor(c: string | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor();
  }
  const ok = !!key && typeof key === 'object' && !Array.isArray(key) && Object.keys(key).length > 0 && Object.values(key).every((v) => typeof v === 'string');
  if (!ok) throw new InvalidCursor();
  return key as Record<string, unknown>;
}

const keyOf = (k: Key): Key => ({ pk: k.pk, sk: k.sk });

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** DynamoDB single-table adapter of the ItemStore port. */
export function createDynamoItemStore(options: DynamoStoreOptions): ItemStore {
  const { tableName: TableName, client } = options;
  const attempts = options.conflictAttempts ?? 8;
  const sleep = options.sleep ?? realSleep;

  function toTransactItem(op: WriteOp) {
    const x = new ExpressionBuilder();
    switch (op.type) {
      case 'put': {
        const ConditionExpression = x.condition(op.when);
        return { Put: { TableName, Item: op.item, ConditionExpression, ...x.attrs(), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
      }
      case 'update': {
        const UpdateExpression = x.update(op.update);
        const ConditionExpression = x.condition(op.when);
        return {
          Update: { TableName, Key: keyOf(op.key), UpdateExpression, ConditionExpression, ...x.attrs(), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const },
        };
      }
      case 'delete': {
        const ConditionExpression = x.condition(op.when);
        return { Delete: { TableName, Key: keyOf(op.key), ConditionExpression, ...x.attrs(), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
      }
      case 'check': {
        const ConditionExpression = x.condition(op.when)!;
        return { ConditionCheck: { TableName, Key: keyOf(op.key), ConditionExpression, ...x.attrs(), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
      }
    }
  }

  return {
    async get(key, opts) {
      const r = await client.send(new GetCommand({ TableName, Key: keyOf(key), ConsistentRead: opts?.consistent ?? true }));
      return r.Item as Item | undefined;
    },

    async getMany(keys) {
      const out: Item[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        let request: Record<string, any> | undefined = {
          [TableName]: { Keys: keys.slice(i, i + 100).map(keyOf), ConsistentRead: true },
        };
        for (let round = 0; request && Object.keys(request).length; round++) {
          const r: any = await client.send(new BatchGetCommand({ RequestItems: request }));
          out.push(...((r.Responses?.[TableName] ?? []) as Item[]));
          request = r.UnprocessedKeys && Object.keys(r.UnprocessedKeys).length ? r.UnprocessedKeys : undefined;
          if (request) await sleep(Math.min(1000, 20 * 2 ** round));
        }
      }
      return out;
    },

    async query(input: QueryInput): Promise<Page> {
      const x = new ExpressionBuilder();
      const pkName = input.index ? `${input.index}pk` : 'pk';
      const skName = input.index ? `${input.index}sk` : 'sk';
      let keyCond = `${x.name(pkName)} = ${x.value(input.pk)}`;
      if (input.prefix) keyCond += ` AND begins_with(${x.name(skName)}, ${x.value(input.prefix)})`;
      else if (input.from !== undefined && input.to !== undefined)
        keyCond += ` AND ${x.name(skName)} BETWEEN ${x.value(input.from)} AND ${x.value(input.to)}`;
      else if (input.from !== undefined) keyCond += ` AND ${x.name(skName)} >= ${x.value(input.from)}`;
      else if (input.to !== undefined) keyCond += ` AND ${x.name(skName)} <= ${x.value(input.to)}`;
      const r = await client
        .send(
          new QueryCommand({
            TableName,
            IndexName: input.index,
            KeyConditionExpression: keyCond,
            ...x.attrs(),
            Limit: input.limit,
            ExclusiveStartKey: decodeCursor(input.cursor),
            ScanIndexForward: !input.descending,
            ConsistentRead: input.index ? false : (input.consistent ?? false),
          }),
        )
        .catch((e: unknown) => {
          // A start key that is not one of this query's keys is refused by DynamoDB as invalid input.
          if (input.cursor && (e as { name?: string }).name === 'ValidationException') throw new InvalidCursor();
          throw e;
        });
      return { items: (r.Items ?? []) as Item[], cursor: encodeCursor(r.LastEvaluatedKey) };
    },

    async write(op) {
      const t = toTransactItem(op) as any;
      try {
        if (op.type === 'put') {
          await client.send(new PutCommand(t.Put));
          return op.item;
        }
        if (op.type === 'update') {
          const r = await client.send(new UpdateCommand({ ...t.Update, ReturnValues: 'ALL_NEW' }));
          return r.Attributes as Item;
        }
        if (op.type === 'delete') {
          await client.send(new DeleteCommand(t.Delete));
          return undefined;
        }
        // A lone check is a conditional read; express it as a no-op transaction.
        await client.send(new TransactWriteCommand({ TransactItems: [t] }));
        return undefined;
      } catch (e: any) {
        if (e?.name === 'ConditionalCheckFailedException') throw new ConditionFailed(keyOf((op as any).key ?? (op as any).item), plain(e.Item));
        if (e?.name === 'TransactionCanceledException') throw new ConditionFailed(keyOf((op as any).key), plain(e.CancellationReasons?.[0]?.Item));
        if (e?.name === 'TransactionConflictException') throw new StoreConflict(1);
        throw e;
      }
    },

    async transact(ops) {
      if (ops.length === 0) return;
      const TransactItems = ops.map(toTransactItem) as any[];
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new TransactWriteCommand({ TransactItems }));
          return;
        } catch (e: any) {
          const conflict =
            e?.name === 'TransactionConflictException' ||
            (e?.name === 'TransactionCanceledException' &&
              (e.CancellationReasons ?? []).some((r: any) => r?.Code === 'TransactionConflict') &&
              !(e.CancellationReasons ?? []).some((r: any) => r?.Code === 'ConditionalCheckFailed'));
          if (conflict && attempt < attempts) {
            // Full jitter: spread retrying writers of a hot item apart.
            await sleep(Math.random() * Math.min(400, 10 * 2 ** attempt));
            continue;
          }
          if (conflict) throw new StoreConflict(ops.length);
          if (e?.name === 'TransactionCanceledException') {
            throw new TransactionCancelled(
              (e.CancellationReasons ?? []).map((r: any) =>
                !r || r.Code === 'None' ? null : r.Code === 'ConditionalCheckFailed' ? { code: r.Code, current: plain(r.Item) } : { code: r.Code },
              ),
            );
          }
          throw e;
        }
      }
    },

    async putMany(items) {
      for (let i = 0; i < items.length; i += 25) {
        let request: any = { [TableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
        for (let round = 0; request; round++) {
          const r: any = await client.send(new BatchWriteCommand({ RequestItems: request }));
          request = r.UnprocessedItems && Object.keys(r.UnprocessedItems).length ? r.UnprocessedItems : undefined;
          if (request) await sleep(Math.min(2000, 25 * 2 ** round));
        }
      }
    },
  };
}
