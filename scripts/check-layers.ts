/**
 * The import graph's allowed arrows (README "Where things are"). Every .ts file under shared/
 * and functions/ is parsed for its imports (static, `export … from`, side-effect, dynamic and
 * `import('…')` types); `#alias/…` and relative specifiers are resolved to a layer, packages
 * are ignored. `npx tsx scripts/check-layers.ts` prints each forbidden arrow as file:line and
 * exits 1; scripts/check-layers.test.ts runs the same check in the unit suite.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Layer = 'domain' | 'app' | 'ports' | 'adapters' | 'platform' | 'wiring' | 'functions' | 'test' | 'scripts';

const EVERY: Layer[] = ['domain', 'app', 'ports', 'adapters', 'platform', 'wiring', 'functions', 'test', 'scripts'];
const except = (...allowed: Layer[]): Layer[] => EVERY.filter((l) => !allowed.includes(l));

/** What each layer may NOT import. Tests beside the code follow their layer's rule, and may also use test/support. */
export const FORBIDDEN: Record<'domain' | 'app' | 'ports' | 'adapters' | 'platform' | 'wiring' | 'functions', Layer[]> = {
  domain: except('domain'),
  ports: except('ports', 'domain'),
  app: ['adapters', 'wiring', 'functions', 'test', 'scripts'],
  adapters: ['app', 'wiring', 'functions', 'test', 'scripts'],
  platform: ['adapters', 'app', 'wiring', 'functions', 'test', 'scripts'],
  wiring: ['functions', 'test', 'scripts'],
  functions: ['test', 'scripts'],
};

const ALIASES: Record<string, string> = {
  '#domain/': 'shared/domain/',
  '#app/': 'shared/app/',
  '#ports/': 'shared/ports/',
  '#adapters/': 'shared/adapters/',
  '#platform/': 'shared/platform/',
  '#wiring/': 'shared/wiring/',
  '#test/': 'test/support/',
};

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function layerOf(repoPath: string): Layer | undefined {
  const parts = repoPath.split('/');
  if (parts[0] === 'shared') return EVERY.includes(parts[1] as Layer) ? (parts[1] as Layer) : undefined;
  if (parts[0] === 'functions' || parts[0] === 'test' || parts[0] === 'scripts') return parts[0];
  return undefined;
}

/** The repository path a specifier points at, or undefined for a package. */
export function resolveSpecifier(fromRepoPath: string, spec: string): string | undefined {
  for (const [alias, target] of Object.entries(ALIASES)) if (spec.startsWith(alias)) return target + spec.slice(alias.length);
  if (spec.startsWith('.')) return join(dirname(fromRepoPath), spec).split(sep).join('/');
  return undefined;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|^\s*export\s+\*\s+from\s+)['"]([^'"]+)['"]/gm;

/** [line, specifier] of every import in a source text. */
export function importsOf(source: string): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  for (const m of source.matchAll(IMPORT)) {
    const line = source.slice(0, m.index).split('\n').length;
    found.push([line, m[1]!]);
  }
  return found;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

export interface Violation { file: string; line: number; spec: string; from: Layer; to: Layer }

export function checkLayers(root = ROOT): { files: number; arrows: number; violations: Violation[] } {
  const files = ['shared', 'functions'].flatMap((d) => tsFiles(join(root, d)));
  const violations: Violation[] = [];
  let arrows = 0;
  for (const full of files) {
    const file = relative(root, full).split(sep).join('/');
    const from = layerOf(file) as keyof typeof FORBIDDEN | undefined;
    if (!from || !(from in FORBIDDEN)) continue;
    for (const [line, spec] of importsOf(readFileSync(full, 'utf8'))) {
      const target = resolveSpecifier(file, spec);
      const to = target && layerOf(target);
      if (!to) continue;
      arrows++;
      if (to === 'test' && file.endsWith('.test.ts')) continue; // a test may use test/support
      if (FORBIDDEN[from].includes(to)) violations.push({ file, line, spec, from, to });
    }
  }
  return { files: files.length, arrows, violations };
}

export const describeViolation = (v: Violation) => `${v.file}:${v.line}  ${v.from} → ${v.to}  ('${v.spec}')`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, arrows, violations } = checkLayers();
  for (const v of violations) console.log(describeViolation(v));
  console.log(`${files} files, ${arrows} arrows between layers, ${violations.length} forbidden`);
  process.exitCode = violations.length ? 1 : 0;
}
