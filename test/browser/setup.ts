import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import stackSetup from '../support/stack-setup.ts';
import { freePort } from '../../scripts/lib/dynamo-local.ts';

/**
 * The browser project's global setup: builds the console fresh into its own folder (the
 * integration tests' `buildAll()` empties dist/), then starts the local stack as the e2e
 * project does (test/support/stack-setup.ts), whose start-local serves that build on a free port.
 */
export default async function setup(project: TestProject) {
  // Screenshots of this run only.
  rmSync('test-results/console', { recursive: true, force: true });
  const outDir = mkdtempSync(join(tmpdir(), 'groupbuy-console-'));
  const built = spawnSync('npm', ['--prefix', 'console', 'run', 'build', '--', '--outDir', outDir, '--emptyOutDir'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`console build failed:\n${(built.stderr || built.stdout).slice(-3000)}`);
  const port = await freePort();
  const saved = { dir: process.env.CONSOLE_DIR, port: process.env.CONSOLE_PORT };
  process.env.CONSOLE_DIR = outDir;
  process.env.CONSOLE_PORT = String(port);
  let teardown: () => Promise<void>;
  try {
    teardown = await stackSetup(project);
  } finally {
    restore('CONSOLE_DIR', saved.dir);
    restore('CONSOLE_PORT', saved.port);
  }
  project.provide('consoleUrl', `http://localhost:${port}`);
  project.provide('consoleBuildDir', outDir);
  return async () => {
    await teardown();
    rmSync(outDir, { recursive: true, force: true });
  };
}

function restore(key: string, value: string | undefined) {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

declare module 'vitest' {
  export interface ProvidedContext {
    consoleUrl: string;
    consoleBuildDir: string;
  }
}
