import type { UploadSigner } from '#ports/uploads';

/** The part of the CloudBase server SDK used here: `getUploadMetadata({ cloudPath })` (@cloudbase/node-sdk storage). */
export interface CloudStorageApi {
  getUploadMetadata(o: { cloudPath: string }): Promise<{ data: { url: string; token: string; authorization: string; fileId: string; cosFileId: string; download_url?: string } }>;
}

/**
 * CloudBase storage (云存储): the function asks the platform for the upload metadata of one
 * cloud path (`getUploadMetadata`: a COS upload URL, a temporary `authorization` signature and
 * security `token`, the COS file id), and the browser POSTs a multipart form to that URL with the
 * fields `key` (the cloud path), `Signature`, `x-cos-security-token`, `x-cos-meta-fileid` and the
 * file last — what CloudBase's own web SDK does in `uploadFile`. The temporary signature is for
 * that path only and short-lived; COS's form upload carries no size or type condition here, so
 * the command checks both before signing and the key's extension fixes the type served back.
 * `publicUrl` is the file's download URL (or its `cloud://` file id when the platform gives none).
 */
export function createCloudbaseUploads(api: () => Promise<CloudStorageApi>): UploadSigner {
  return {
    async presign({ key, contentType }) {
      const { data } = await (await api()).getUploadMetadata({ cloudPath: key });
      return {
        method: 'POST',
        url: data.url,
        fields: { key, Signature: data.authorization, 'x-cos-security-token': data.token, 'x-cos-meta-fileid': data.cosFileId, 'Content-Type': contentType },
        publicUrl: data.download_url ?? data.fileId,
      };
    },
  };
}
