import * as z from 'zod/mini';
import { defineCommand, type RawResponse } from '#app/command';
import { AppError } from '#domain/errors';
import { OBJECT_KEY } from '#ports/object-storage';
import { requireDevMode } from '../dev/commands.ts';

/**
 * Local stage only: serves the local object storage (a folder under LOCAL_DIR) at
 * `GET /dev/storage/{folder}/{name}`, so a share card's `imageUrl` opens in a browser or an
 * `<image>` without a token, like a public bucket. Elsewhere 404 like any unknown route.
 */
export const devStorageCommand = defineCommand({
  name: 'dev.storage',
  roles: 'public',
  input: z.object({ folder: z.string().check(z.maxLength(32)), name: z.string().check(z.maxLength(96)) }),
  http: { method: 'GET', path: '/dev/storage/{folder}/{name}' },
  rawResponse: true,
  async run({ deps }, input): Promise<RawResponse> {
    requireDevMode(deps, 'GET /dev/storage');
    const key = `${input.folder}/${input.name}`;
    const found = OBJECT_KEY.test(key) && !key.includes('..') ? await deps.objectStorage.get(key) : undefined;
    if (!found) throw new AppError('NOT_FOUND', 'no such file');
    return {
      status: 200,
      headers: { 'content-type': found.contentType, 'cache-control': 'public, max-age=31536000, immutable' },
      body: Buffer.from(found.bytes).toString('base64'),
      isBase64Encoded: true,
    };
  },
});
