import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Doc } from './backend.ts';
import { EJSON } from './sdk.ts';

/**
 * One JSON file per collection (`<dir>/<collection>.json`, canonical EJSON so numbers, dates
 * and nested values come back as they were), for local tooling that outlives one process.
 */
export function loadCollections(dir: string): Map<string, Map<string, Doc>> {
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, Map<string, Doc>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const docs = EJSON.deserialize(JSON.parse(readFileSync(join(dir, file), 'utf8'))) as Doc[];
    out.set(file.slice(0, -'.json'.length), new Map(docs.map((d) => [String(d._id), d])));
  }
  return out;
}

export function saveCollection(dir: string, name: string, docs: Map<string, Doc>): void {
  const sorted = [...docs.values()].sort((a, b) => (String(a._id) < String(b._id) ? -1 : 1));
  const file = join(dir, `${name}.json`);
  // Write then rename: a crash never leaves half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(EJSON.serialize(sorted, { relaxed: false }), null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}
