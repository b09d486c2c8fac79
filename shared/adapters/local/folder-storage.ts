import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertObjectKey, type ObjectStorage } from '#ports/object-storage';

const TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', json: 'application/json' };
const typeOf = (key: string) => TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/**
 * The local stage's object storage: files in `<dir>/<key>` (under LOCAL_DIR), served by the
 * local-only route `GET /dev/storage/{folder}/{name}` at `<baseUrl>/dev/storage/<key>`.
 */
export function createFolderStorage(options: { dir: string; baseUrl: string }): ObjectStorage {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async put(key, bytes) {
      assertObjectKey(key);
      const path = join(options.dir, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
      return `${base}/dev/storage/${key}`;
    },
    async get(key) {
      assertObjectKey(key);
      try {
        return { bytes: new Uint8Array(await readFile(join(options.dir, key))), contentType: typeOf(key) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}
