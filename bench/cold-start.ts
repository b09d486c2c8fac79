/**
 * Cold start of each deployed bundle: its size and the wall time of a fresh Node process that
 * imports it, against a fresh process importing nothing (the bare baseline) and one importing
 * only the AWS SDK client the Lambda runtime provides; median of several runs.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildAll } from '../scripts/build.ts';

/** Wall time of a fresh Node process that imports `file` (or nothing) and exits. */
function importMs(file: string | undefined, cjs: boolean): number {
  const code = file ? (cjs ? `require(${JSON.stringify(file)})` : `await import(${JSON.stringify('file://' + file)})`) : '';
  const t = performance.now();
  const r = spawnSync(process.execPath, cjs ? ['-e', code] : ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, STAGE: 'bench', AUTH_MODE: 'wechat' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`import of ${file} failed: ${r.stderr.slice(0, 300)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchColdStart(runs = 5) {
  const outDir = 'dist-bench';
  const sizes = await buildAll({ quiet: true, outDir });
  // Baselines: a fresh process importing nothing, and one importing the AWS SDK's DynamoDB
  // document client, which the Lambda runtime provides and the AWS bundles leave external.
  const bare = median(Array.from({ length: runs }, () => importMs(undefined, false)));
  const sdkEntry = resolve('node_modules/@aws-sdk/lib-dynamodb/dist-cjs/index.js');
  const sdk = median(Array.from({ length: runs }, () => importMs(sdkEntry, true)));
  const rows: Record<string, unknown>[] = [
    { function: '(bare node)', target: '-', sizeKb: 0, importMs: +bare.toFixed(1), ratio: 1 },
    { function: '(@aws-sdk/lib-dynamodb)', target: 'aws baseline', sizeKb: 0, importMs: +sdk.toFixed(1), ratio: +(sdk / Math.max(bare, 0.1)).toFixed(1) },
  ];
  for (const s of sizes) {
    const file = resolve(s.target === 'aws' ? `${outDir}/aws/${s.fn}.js` : `${outDir}/cloudbase/${s.fn}/index.js`);
    const cjs = s.target === 'cloudbase';
    const ms = median(Array.from({ length: runs }, () => importMs(file, cjs)));
    // AWS bundles are compared with the SDK they load; CloudBase bundles (wx-server-sdk is
    // loaded lazily on the first call) with the bare process.
    const base = s.target === 'aws' ? sdk : bare;
    rows.push({ function: s.fn, target: s.target, sizeKb: +(statSync(file).size / 1024).toFixed(1), importMs: +ms.toFixed(1), ratio: +(ms / Math.max(base, 0.1)).toFixed(2) });
  }
  return rows;
}
