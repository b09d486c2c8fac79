import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../scripts/lib/dynamo-local.ts';

/**
 * Starts the real local stack once for the e2e project: `scripts/start-local.ts` (DynamoDB
 * Local, the table, demo data, serverless-offline) on free ports with its own .local folder.
 */
export default async function setup(project: TestProject) {
  const dynamoPort = await freePort();
  const httpPort = await freePort();
  const localDir = mkdtempSync(join(tmpdir(), 'groupbuy-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts'], {
    env: { ...process.env, DYNAMO_PORT: String(dynamoPort), PORT: String(httpPort), LOCAL_DIR: localDir, LAMBDA_PORT: String(await freePort()), E2E: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://localhost:${httpPort}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local stack did not start in 180 s:\n${log.slice(-4000)}`)), 180_000);
    const check = () => {
      if (log.includes('local stack is up')) {
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`local stack exited (${child.exitCode}):\n${log.slice(-4000)}`));
      } else setTimeout(check, 250);
    };
    check();
  });
  project.provide('stackUrl', url);
  // Scripts run against the stack (npm run staff:create) read the same env as the stack.
  project.provide('stackEnv', { DYNAMO_PORT: String(dynamoPort), LOCAL_DIR: localDir });
  return async () => {
    // The stack's own log (errors are logged without PII) is kept for a failed run to be read.
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', `stack-${project.name}.log`), log);
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
    await new Promise((r) => setTimeout(r, 1500));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
    rmSync(localDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackUrl: string;
    stackEnv: { DYNAMO_PORT: string; LOCAL_DIR: string };
  }
}
