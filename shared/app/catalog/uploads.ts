import * as z from 'zod/mini';
import { defineCommand, type RawResponse } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { MAX_UPLOAD_BYTES, UPLOAD_IMAGE_TYPES, type UploadImageType } from '#ports/uploads';
import { requireDevMode } from '../dev/commands.ts';

/** How long a presigned upload form works. */
const UPLOAD_WINDOW_MS = 15 * 60_000;

export const uploadKey = (key: string) => ({ pk: `UPLOAD#${key}`, sk: 'META' });

/**
 * `POST /admin/uploads`: a presigned form for one product image (DESIGN.md §14). Steps: type and
 * size checked by the schema (images only, ≤ 5 MB: 400 otherwise) → a fresh object key → the
 * storage's presigned form (the storage enforces the same type and size where it can) → the
 * request is recorded (who asked what, kept a day), so each upload is traceable.
 */
export const uploadCommand = defineCommand({
  name: 'admin.upload',
  roles: ['owner', 'operations'],
  input: z.object({
    contentType: z.enum(Object.keys(UPLOAD_IMAGE_TYPES) as [UploadImageType, ...UploadImageType[]]),
    size: z.int().check(z.minimum(1), z.maximum(MAX_UPLOAD_BYTES)),
  }),
  output: z.object({
    method: z.enum(['PUT', 'POST']),
    url: z.string(),
    fields: z.optional(z.record(z.string(), z.string())),
    headers: z.optional(z.record(z.string(), z.string())),
    publicUrl: z.string(),
  }),
  http: { method: 'POST', path: '/admin/uploads' },
  async run({ deps }, input) {
    if (!deps.uploads) throw new AppError('INVALID_STATE', 'image uploads are not configured on this deployment (UPLOADS_BUCKET)');
    const now = deps.clock.now();
    const key = `products/${deps.ids.newId()}.${UPLOAD_IMAGE_TYPES[input.contentType]}`;
    const presigned = await deps.uploads.presign({ key, contentType: input.contentType, maxBytes: input.size, expiresAt: now + UPLOAD_WINDOW_MS });
    await deps.store.write({
      type: 'put',
      item: { ...uploadKey(key), key, contentType: input.contentType, size: input.size, publicUrl: presigned.publicUrl, createdAt: toBizIso(now), expiresAt: Math.floor(now / 1000) + 86_400 },
    });
    return presigned;
  },
});

/** Local stage only: the presigned form's target, playing S3's POST (fields, then the file); 204 when stored. */
export const devReceiveUploadCommand = defineCommand({
  name: 'dev.receiveUpload',
  roles: 'public',
  input: z.object({}),
  http: { method: 'POST', path: '/dev/uploads', maxBodyBytes: MAX_UPLOAD_BYTES + 64 * 1024 },
  rawResponse: true,
  async run({ deps, raw }): Promise<RawResponse> {
    requireDevMode(deps, 'POST /dev/uploads');
    if (!deps.uploadSandbox) throw new AppError('NOT_FOUND', 'no route POST /dev/uploads');
    await deps.uploadSandbox.accept(raw?.headers['content-type'] ?? '', raw?.bytes ?? new Uint8Array(), deps.clock.now());
    return { status: 204, headers: {}, body: '' };
  },
});

/** Local stage only: an uploaded file, served back at its `publicUrl`. */
export const devReadUploadCommand = defineCommand({
  name: 'dev.readUpload',
  roles: 'public',
  input: z.object({ key: z.string().check(z.minLength(1), z.maxLength(100)) }),
  http: { method: 'GET', path: '/dev/uploads/{key}' },
  rawResponse: true,
  async run({ deps }, input): Promise<RawResponse> {
    requireDevMode(deps, 'GET /dev/uploads');
    const file = await deps.uploadSandbox?.read(input.key);
    if (!file) throw new AppError('NOT_FOUND', `no upload ${input.key}`);
    return { status: 200, headers: { 'content-type': file.contentType, 'cache-control': 'public, max-age=86400' }, body: Buffer.from(file.body).toString('base64'), isBase64Encoded: true };
  },
});

export const devUploadCommands = [devReceiveUploadCommand, devReadUploadCommand];
