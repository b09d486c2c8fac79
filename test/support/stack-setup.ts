import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../scripts/lib/local-stack.ts';

/**
 * Starts the real local stack once for the e2e project (scripts/lib/local-stack.ts: DynamoDB
 * Local, the table, demo data, serverless-offline on free ports with its own .local folder).
 */
export default async function setup(project: TestProject) {
  const stack = await startLocalStack({ E2E: '1' });
  project.provide('stackUrl', stack.url);
  // Scripts run against the stack (npm run staff:create) read the same env as the stack.
  project.provide('stackEnv', { DYNAMO_PORT: String(stack.dynamoPort), LOCAL_DIR: stack.localDir });
  return async () => {
    // The stack's own log (errors are logged without PII) is kept for a failed run to be read.
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', `stack-${project.name}.log`), stack.log());
    await stack.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackUrl: string;
    stackEnv: { DYNAMO_PORT: string; LOCAL_DIR: string };
  }
}
