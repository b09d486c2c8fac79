import { assertObjectKey, type ObjectStorage } from '#ports/object-storage';
import type { MiniProgramCodes } from '#ports/mini-program-code';

/** The slice of the wx-server-sdk `cloud` object these adapters use. */
export interface StorageCloud {
  uploadFile(params: { cloudPath: string; fileContent: Buffer }): Promise<{ fileID: string }>;
  downloadFile(params: { fileID: string }): Promise<{ fileContent: Buffer }>;
  getTempFileURL(params: { fileList: { fileID: string; maxAge?: number }[] }): Promise<{ fileList: { fileID: string; tempFileURL: string; status?: number }[] }>;
  openapi?: { wxacode?: { getUnlimited(params: { scene: string; page?: string; width?: number; checkPath?: boolean }): Promise<{ buffer: Buffer; contentType?: string; errCode?: number }> } };
}

/**
 * CloudBase cloud storage: `uploadFile` to `cloudPath` = the key, the URL from
 * `getTempFileURL` (a public-read storage rule on the folder makes it the plain CDN address).
 * The file id is `cloud://<env>.<bucket>/<key>`, learnt from the first upload.
 */
export function createCloudStorage(options: { cloud: StorageCloud; fileIdPrefix?: string }): ObjectStorage {
  let prefix = options.fileIdPrefix;
  return {
    async put(key, bytes) {
      assertObjectKey(key);
      const { fileID } = await options.cloud.uploadFile({ cloudPath: key, fileContent: Buffer.from(bytes) });
      prefix ??= fileID.slice(0, fileID.length - key.length);
      const { fileList } = await options.cloud.getTempFileURL({ fileList: [{ fileID, maxAge: 365 * 86400 }] });
      const url = fileList[0]?.tempFileURL;
      if (!url) throw new Error('cloud storage gave no URL for the uploaded file');
      return url;
    },
    async get(key) {
      assertObjectKey(key);
      if (!prefix) return undefined;
      try {
        const { fileContent } = await options.cloud.downloadFile({ fileID: `${prefix}${key}` });
        return { bytes: new Uint8Array(fileContent), contentType: key.endsWith('.png') ? 'image/png' : 'application/octet-stream' };
      } catch {
        return undefined;
      }
    },
  };
}

/** `cloud.openapi.wxacode.getUnlimited` (the function's config.json must grant `wxacode.getUnlimited`). */
export function createCloudCodes(options: { cloud: StorageCloud }): MiniProgramCodes {
  return {
    async unlimited({ scene, page, width }) {
      const api = options.cloud.openapi?.wxacode;
      if (!api) throw new Error('cloud.openapi.wxacode is not available');
      const res = await api.getUnlimited({ scene, ...(page ? { page } : {}), width: width ?? 430, checkPath: false });
      if (res.errCode) throw new Error(`wxacode.getUnlimited failed: errCode ${res.errCode}`);
      return { bytes: new Uint8Array(res.buffer), contentType: res.contentType ?? 'image/png' };
    },
  };
}
