import { assertObjectKey, type ObjectStorage } from '#ports/object-storage';

/**
 * Object storage in S3 (the bucket `ShareBucket` of serverless.yml, `OBJECT_BUCKET`): objects
 * are put with their content type and served by the bucket's public-read policy on `cards/*`
 * at `https://<bucket>.s3.<region>.amazonaws.com/<key>` (or `publicBaseUrl`, e.g. a CDN). The
 * SDK is loaded on first use, so functions that never store a file do not pay for it.
 */
export function createS3Storage(options: { bucket: string; region?: string; endpoint?: string; publicBaseUrl?: string }): ObjectStorage {
  let client: Promise<{ s3: any; sdk: any }> | undefined;
  const load = () =>
    (client ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      s3: new sdk.S3Client({ ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}) }),
    })));
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const base = (options.publicBaseUrl ?? `https://${options.bucket}.s3.${region}.amazonaws.com`).replace(/\/+$/, '');
  return {
    async put(key, bytes, contentType) {
      assertObjectKey(key);
      const { s3, sdk } = await load();
      await s3.send(new sdk.PutObjectCommand({ Bucket: options.bucket, Key: key, Body: bytes, ContentType: contentType, CacheControl: 'public, max-age=31536000, immutable' }));
      return `${base}/${key}`;
    },
    async get(key) {
      assertObjectKey(key);
      const { s3, sdk } = await load();
      try {
        const out = await s3.send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: key }));
        return { bytes: await out.Body.transformToByteArray(), contentType: String(out.ContentType ?? 'application/octet-stream') };
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
  };
}
