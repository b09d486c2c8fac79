import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, DevClockControl } from '#ports/clock';

/**
 * The local stage's movable clock, kept in a file so every local function process (and the
 * scheduler) reads the same time. It keeps ticking from the moment it was set.
 */
export function createFileClock(path: string): Clock & DevClockControl {
  let cached: { mtimeMs: number; offset: number } | undefined;
  const offset = (): number => {
    if (!existsSync(path)) return 0;
    const mtimeMs = statSync(path).mtimeMs;
    if (!cached || cached.mtimeMs !== mtimeMs) {
      const { now, setAt } = JSON.parse(readFileSync(path, 'utf8')) as { now: number; setAt: number };
      cached = { mtimeMs, offset: now - setAt };
    }
    return cached.offset;
  };
  return {
    now: () => Date.now() + offset(),
    async set(nowMs) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ now: nowMs, setAt: Date.now() }));
      cached = undefined;
    },
    async reset() {
      rmSync(path, { force: true });
      cached = undefined;
    },
  };
}
