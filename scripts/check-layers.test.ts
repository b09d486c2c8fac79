import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayers, describeViolation, importsOf, resolveSpecifier } from './check-layers.ts';

describe('import graph', () => {
  it('has no forbidden arrow between layers', () => {
    const { files, arrows, violations } = checkLayers();
    expect(files).toBeGreaterThan(100);
    expect(arrows).toBeGreaterThan(500);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe('the checker', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    it('reports every forbidden arrow with file and line, and lets allowed ones pass', () => {
      write('shared/domain/a.ts', "import { x } from './b.ts';\nimport type { D } from '#app/deps';\n");
      write('shared/domain/b.ts', 'export const x = 1;\n');
      write('shared/app/u.ts', "import { z } from 'zod/mini';\nimport { s } from '#ports/item-store';\nimport { d } from '../adapters/dynamodb/item-store.ts';\n");
      write('shared/ports/p.ts', "export type T = import('#app/deps').Deps;\n");
      write('shared/adapters/x.ts', "import {\n  y,\n} from '#app/keys';\n");
      write('shared/platform/q.ts', "import '#wiring/aws';\nexport * from '#adapters/local/dev-clock';\n");
      write('shared/wiring/w.ts', "import { m } from '../../functions/order/module.ts';\nimport { a } from '#adapters/x';\n");
      write('functions/order/module.ts', "import { a } from '#app/u';\nimport { w } from '#wiring/w';\n");
      write('shared/domain/a.test.ts', "import { b } from '#test/settle-fixtures';\n");
      write('shared/domain/c.ts', "import { b } from '#test/settle-fixtures';\n");
      const found = checkLayers(root).violations.map(describeViolation).sort();
      expect(found).toEqual([
        "shared/adapters/x.ts:3  adapters → app  ('#app/keys')",
        "shared/app/u.ts:3  app → adapters  ('../adapters/dynamodb/item-store.ts')",
        "shared/domain/a.ts:2  domain → app  ('#app/deps')",
        "shared/domain/c.ts:1  domain → test  ('#test/settle-fixtures')",
        "shared/platform/q.ts:1  platform → wiring  ('#wiring/aws')",
        "shared/platform/q.ts:2  platform → adapters  ('#adapters/local/dev-clock')",
        "shared/ports/p.ts:1  ports → app  ('#app/deps')",
        "shared/wiring/w.ts:1  wiring → functions  ('../../functions/order/module.ts')",
      ]);
    });

    it('resolves aliases and relative paths and ignores packages', () => {
      expect(resolveSpecifier('shared/app/orders/place.ts', '../keys.ts')).toBe('shared/app/keys.ts');
      expect(resolveSpecifier('shared/app/orders/place.ts', '#test/harness')).toBe('test/support/harness');
      expect(resolveSpecifier('shared/app/orders/place.ts', 'dayjs')).toBeUndefined();
      expect(importsOf("const a = 1;\nimport x from 'y';\n  const m = await import('#ports/clock');")).toEqual([[2, 'y'], [3, '#ports/clock']]);
    });
  });
});
