import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '#domain/errors';
import { sniffImageType } from '#domain/image-sniff';
import { UPLOAD_IMAGE_TYPES, type UploadSandbox, type UploadSigner } from '#ports/uploads';

/**
 * The local stack's object storage: a folder under LOCAL_DIR. It behaves like S3's presigned
 * POST (a multipart form: the signed fields, then the file) so the console has one upload path:
 * the form's signature covers key, type, size limit and expiry; the file must be that type (by
 * its bytes, not only its label) and within the size; it is served back at `publicUrl`.
 */
export function createLocalUploads(options: { dir: string; baseUrl: string; secret: Uint8Array }): { signer: UploadSigner; sandbox: UploadSandbox } {
  const sign = (f: { key: string; contentType: string; maxBytes: string; expires: string }) =>
    createHmac('sha256', options.secret).update([f.key, f.contentType, f.maxBytes, f.expires].join('\n')).digest('hex');
  const bad = (message: string, path = 'file') => new AppError('VALIDATION_FAILED', message, { issues: [{ path, message }] });
  const safeKey = (key: string) => /^[A-Za-z0-9_-]{1,80}\.(jpg|png|webp|gif)$/.test(key);
  const base = options.baseUrl.replace(/\/$/, '');
  return {
    signer: {
      async presign({ key, contentType, maxBytes, expiresAt }) {
        const name = key.replace(/\//g, '_');
        const fields = { key: name, 'Content-Type': contentType, maxBytes: String(maxBytes), expires: String(expiresAt) };
        return { method: 'POST', url: `${base}/dev/uploads`, fields: { ...fields, signature: sign({ ...fields, contentType }) }, publicUrl: `${base}/dev/uploads/${name}` };
      },
    },
    sandbox: {
      async accept(contentType, body, now) {
        if (!/^multipart\/form-data/i.test(contentType)) throw bad('expected a multipart/form-data upload', '');
        let form: FormData;
        try {
          form = await new Response(Buffer.from(body) as unknown as BodyInit, { headers: { 'content-type': contentType } }).formData();
        } catch {
          throw bad('the form cannot be read', '');
        }
        const field = (n: string) => {
          const v = form.get(n);
          return typeof v === 'string' ? v : '';
        };
        const f = { key: field('key'), contentType: field('Content-Type'), maxBytes: field('maxBytes'), expires: field('expires') };
        const given = Buffer.from(field('signature'), 'hex');
        const want = Buffer.from(sign(f), 'hex');
        if (given.length !== want.length || !timingSafeEqual(given, want) || !safeKey(f.key)) throw new AppError('FORBIDDEN', 'the upload form is not signed by this stack');
        if (Number(f.expires) < now) throw new AppError('FORBIDDEN', 'the upload form has expired');
        const file = form.get('file');
        if (!file || typeof file === 'string') throw bad('the form has no file');
        const bytes = new Uint8Array(await file.arrayBuffer());
        if (bytes.length > Number(f.maxBytes)) throw bad(`the file is larger than ${f.maxBytes} bytes`);
        if (sniffImageType(bytes) !== f.contentType || !(f.contentType in UPLOAD_IMAGE_TYPES)) throw bad(`the file is not a ${f.contentType} image`);
        await mkdir(options.dir, { recursive: true });
        await writeFile(join(options.dir, f.key), bytes);
        return { key: f.key, size: bytes.length };
      },
      async read(key) {
        if (!safeKey(key)) return undefined;
        const body = await readFile(join(options.dir, key)).catch(() => undefined);
        if (!body) return undefined;
        const ext = key.slice(key.lastIndexOf('.') + 1);
        const contentType = Object.entries(UPLOAD_IMAGE_TYPES).find(([, e]) => e === ext)![0];
        return { contentType, body };
      },
    },
  };
}
