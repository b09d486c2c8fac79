import { join } from 'node:path';
import type { Config } from '#platform/config';
import type { Clock } from '#ports/clock';
import type { ObjectStorage } from '#ports/object-storage';
import type { MiniProgramCodes } from '#ports/mini-program-code';
import { createFolderStorage } from '#adapters/local/folder-storage';
import { createSandboxCodes } from '#adapters/local/sandbox-codes';
import { createS3Storage } from '#adapters/aws/s3-storage';
import { createStableTokenProvider } from '#adapters/wechat/access-token';
import { createWechatCodes } from '#adapters/wechat/wxacode';

/**
 * Object storage and mini-program codes for share cards:
 * - local stage: a folder under LOCAL_DIR (`storage/`) served by `GET /dev/storage/{folder}/{name}`,
 *   and the sandbox that draws a QR PNG (the `qrcode` package);
 * - AWS: S3 (`OBJECT_BUCKET`, declared in serverless.yml) and `wxacode.getUnlimited` over HTTPS;
 * - CloudBase: given by its composition root (cloud storage and `cloud.openapi.wxacode`).
 * Not configured (no bucket): making a card fails clearly, nothing else is affected.
 */
export function shareAdapters(config: Config, clock: Clock, devMode: boolean, given: { objectStorage?: ObjectStorage; miniCodes?: MiniProgramCodes }): { objectStorage: ObjectStorage; miniCodes: MiniProgramCodes } {
  if (devMode)
    return {
      objectStorage: given.objectStorage ?? createFolderStorage({ dir: join(config.LOCAL_DIR, 'storage'), baseUrl: config.LOCAL_BASE_URL }),
      miniCodes: given.miniCodes ?? createSandboxCodes(),
    };
  return {
    objectStorage: given.objectStorage ?? (config.OBJECT_BUCKET ? createS3Storage({ bucket: config.OBJECT_BUCKET, ...(config.OBJECT_PUBLIC_BASE_URL ? { publicBaseUrl: config.OBJECT_PUBLIC_BASE_URL } : {}) }) : unconfiguredStorage),
    miniCodes:
      given.miniCodes ??
      createWechatCodes({
        tokens: createStableTokenProvider({ appId: config.WX_APPID ?? '', appSecret: config.WX_SECRET ?? '', baseUrl: config.WX_API_BASE, now: () => clock.now() }),
        baseUrl: config.WX_API_BASE,
      }),
  };
}

const unconfiguredStorage: ObjectStorage = {
  put: async () => {
    throw new Error('bad configuration: OBJECT_BUCKET is required to store share cards');
  },
  get: async () => undefined,
};
