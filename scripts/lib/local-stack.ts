import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dynamo-local.ts';

export interface RunningStack {
  url: string;
  dynamoPort: number;
  localDir: string;
  /** Everything the stack printed so far (errors are logged without PII). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real local stack (`scripts/start-local.ts`: DynamoDB Local, the table, demo data,
 * serverless-offline) on free ports with its own .local folder, and resolves once it is up.
 * Used by the e2e and browser projects' global setup and by `npm run load`.
 */
export async function startLocalStack(extraEnv: Record<string, string> = {}, timeoutMs = 180_000): Promise<RunningStack> {
  const dynamoPort = await freePort();
  const httpPort = await freePort();
  const localDir = mkdtempSync(join(tmpdir(), 'groupbuy-stack-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts'], {
    env: { ...process.env, DYNAMO_PORT: String(dynamoPort), PORT: String(httpPort), LOCAL_DIR: localDir, LAMBDA_PORT: String(await freePort()), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
    await new Promise((r) => setTimeout(r, 1500));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
    rmSync(localDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`local stack did not start in ${timeoutMs / 1000} s:\n${log.slice(-4000)}`)), timeoutMs);
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
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://localhost:${httpPort}`, dynamoPort, localDir, log: () => log, stop };
}
