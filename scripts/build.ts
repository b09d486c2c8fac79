/**
 * `npm run build`: one esbuild bundle per function.
 * - dist/aws/<fn>.js — ESM for Lambda nodejs22.x (AWS SDK v3 left to the runtime);
 * - dist/cloudbase/<fn>/{index.js, package.json, config.json} — CommonJS `exports.main` for a
 *   CloudBase Node.js 18+ runtime; `wx-server-sdk` is installed beside it by the platform
 *   (package.json dependency), its timers and openapi permissions in config.json.
 * Prints each bundle's size; `npm run bench` measures their cold import time.
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { FUNCTIONS, LOCAL_ONLY } from '../functions/registry.ts';
import { cloudbaseConfig } from './gen.ts';

const wxVersion = JSON.parse(readFileSync('node_modules/wx-server-sdk/package.json', 'utf8')).version as string;
// Storage upload metadata (admin.upload on CloudBase) comes from the server SDK wx-server-sdk is built on, loaded on first use.
const nodeSdkVersion = JSON.parse(readFileSync('node_modules/@cloudbase/node-sdk/package.json', 'utf8')).version as string;

export async function buildAll(options: { quiet?: boolean; outDir?: string } = {}) {
  const out = options.outDir ?? 'dist';
  rmSync(out, { recursive: true, force: true });
  const sizes: { fn: string; target: string; bytes: number }[] = [];
  for (const mod of FUNCTIONS) {
    if (LOCAL_ONLY.has(mod.name)) continue;
    const awsOut = `${out}/aws/${mod.name}.js`;
    await build({
      entryPoints: [`functions/${mod.name}/aws.ts`],
      outfile: awsOut,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
      legalComments: 'none',
      logLevel: 'error',
    });
    sizes.push({ fn: mod.name, target: 'aws', bytes: statSync(awsOut).size });

    const dir = `${out}/cloudbase/${mod.name}`;
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: [`functions/${mod.name}/cloudbase.ts`],
      outfile: `${dir}/index.js`,
      bundle: true,
      minify: true,
      format: 'cjs',
      platform: 'node',
      target: 'node18',
      external: ['wx-server-sdk', '@cloudbase/node-sdk'],
      legalComments: 'none',
      logLevel: 'error',
    });
    writeFileSync(`${dir}/package.json`, JSON.stringify({ name: `groupbuy-${mod.name}`, version: '1.0.0', private: true, main: 'index.js', dependencies: { 'wx-server-sdk': wxVersion, '@cloudbase/node-sdk': nodeSdkVersion } }, null, 2) + '\n');
    writeFileSync(`${dir}/config.json`, JSON.stringify(cloudbaseConfig(mod.name), null, 2) + '\n');
    sizes.push({ fn: mod.name, target: 'cloudbase', bytes: statSync(`${dir}/index.js`).size });
  }
  if (!options.quiet) {
    console.table(sizes.map((s) => ({ function: s.fn, target: s.target, 'size (KB)': (s.bytes / 1024).toFixed(1) })));
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildAll().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
