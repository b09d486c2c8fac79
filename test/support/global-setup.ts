import type { TestProject } from 'vitest/node';
import { freePort, startDynamoLocal } from '../../scripts/lib/dynamo-local.ts';

/** One DynamoDB Local for the integration and end-to-end projects; each test file makes its own table. */
export default async function setup(project: TestProject) {
  const port = process.env.DYNAMO_TEST_ENDPOINT ? undefined : await freePort();
  const child = port ? await startDynamoLocal({ port }) : undefined;
  const endpoint = process.env.DYNAMO_TEST_ENDPOINT ?? `http://127.0.0.1:${port}`;
  project.provide('dynamoEndpoint', endpoint);
  return async () => {
    child?.kill('SIGTERM');
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
