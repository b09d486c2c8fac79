import { describe, expect, it } from 'vitest';
import { createS3Uploads } from './s3-uploads.ts';
import { createCloudbaseUploads } from '../cloudbase/storage-uploads.ts';

describe('presigned uploads', () => {
  it('S3: a POST policy with the exact key, the content type and a content-length-range up to the limit', async () => {
    const now = Date.parse('2026-11-24T10:00:00+08:00');
    const s3 = createS3Uploads({ bucket: 'groupbuy-test-uploads', region: 'ap-east-1', now: () => now, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const p = await s3.presign({ key: 'products/abc.png', contentType: 'image/png', maxBytes: 1234, expiresAt: now + 15 * 60_000 });
    expect(p.method).toBe('POST');
    expect(p.url).toContain('groupbuy-test-uploads');
    expect(p.publicUrl).toBe('https://groupbuy-test-uploads.s3.ap-east-1.amazonaws.com/products/abc.png');
    expect(p.fields).toMatchObject({ key: 'products/abc.png', 'Content-Type': 'image/png' });
    const policy = JSON.parse(Buffer.from(p.fields!.Policy!, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(expect.arrayContaining([['content-length-range', 1, 1234], ['eq', '$Content-Type', 'image/png'], { key: 'products/abc.png' }]));
  });

  it('CloudBase: the platform\'s upload metadata for the path becomes the COS form fields', async () => {
    const calls: string[] = [];
    const cb = createCloudbaseUploads(async () => ({
      getUploadMetadata: async ({ cloudPath }) => {
        calls.push(cloudPath);
        return { data: { url: 'https://cos.example/env-bucket', token: 'tok', authorization: 'q-sign', fileId: 'cloud://env.bucket/products/x.png', cosFileId: 'cos-id', download_url: 'https://env.tcb.qcloud.la/products/x.png' } };
      },
    }));
    const p = await cb.presign({ key: 'products/x.png', contentType: 'image/png', maxBytes: 10, expiresAt: 0 });
    expect(calls).toEqual(['products/x.png']);
    expect(p).toEqual({
      method: 'POST',
      url: 'https://cos.example/env-bucket',
      fields: { key: 'products/x.png', Signature: 'q-sign', 'x-cos-security-token': 'tok', 'x-cos-meta-fileid': 'cos-id', 'Content-Type': 'image/png' },
      publicUrl: 'https://env.tcb.qcloud.la/products/x.png',
    });
  });
});
