/**
 * Object storage for generated files (share cards): S3 on AWS, CloudBase storage on CloudBase,
 * a folder under LOCAL_DIR served by the local stack (`GET /dev/storage/{folder}/{name}`).
 * Keys are `<folder>/<name>` of `[A-Za-z0-9._-]`.
 */
export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
}

export interface ObjectStorage {
  /** Stores the bytes under the key (overwriting) and answers the object's public URL. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<string>;
  /** The stored object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
}

/** A key this port accepts: one folder and a file name, no traversal. */
export const OBJECT_KEY = /^[A-Za-z0-9_-]{1,32}\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,95}$/;

export function assertObjectKey(key: string): void {
  if (!OBJECT_KEY.test(key) || key.includes('..')) throw new RangeError('bad object key');
}
