import type { UploadSigner } from '#ports/uploads';

/**
 * S3 presigned POST (AWS): the policy carries the exact key, a `content-length-range` of 1 byte
 * to the limit and the exact `Content-Type`, so S3 itself refuses a larger file or another type.
 * The bucket (serverless.yml `UploadsBucket`) is read publicly under `products/` only; `publicUrl`
 * is `UPLOADS_PUBLIC_BASE_URL` (a CDN in front of the bucket) or the bucket's own URL. The SDK is
 * loaded on first use, so functions that never presign do not load it.
 */
export function createS3Uploads(options: { bucket: string; region?: string; publicBaseUrl?: string; now: () => number; credentials?: { accessKeyId: string; secretAccessKey: string } }): UploadSigner {
  let client: Promise<any> | undefined;
  return {
    async presign({ key, contentType, maxBytes, expiresAt }) {
      const [{ S3Client }, { createPresignedPost }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-presigned-post')]);
      const s3 = await (client ??= Promise.resolve(new S3Client({ ...(options.region ? { region: options.region } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) })));
      const { url, fields } = await createPresignedPost(s3, {
        Bucket: options.bucket,
        Key: key,
        Conditions: [
          ['content-length-range', 1, maxBytes],
          ['eq', '$Content-Type', contentType],
        ],
        Fields: { 'Content-Type': contentType },
        Expires: Math.max(60, Math.floor((expiresAt - options.now()) / 1000)),
      });
      const base = (options.publicBaseUrl ?? `https://${options.bucket}.s3.${options.region ? `${options.region}.` : ""}amazonaws.com`).replace(/\/$/, '');
      return { method: 'POST', url, fields, publicUrl: `${base}/${key}` };
    },
  };
}
