/**
 * Presigned uploads straight to object storage (DESIGN.md §14): the back office asks for a
 * one-time upload form for one object of a given type and size; the browser sends the file
 * to the storage itself (never through a function) and then saves `publicUrl` on the product.
 * Adapters: S3 presigned POST (AWS), CloudBase storage upload metadata (CloudBase), and a local
 * folder served by the local stack.
 */
export interface UploadRequest {
  /** The object key chosen by the use case (`products/<id>.<ext>`). */
  key: string;
  contentType: string;
  /** The largest size the storage accepts for this upload, in bytes. */
  maxBytes: number;
  /** When the form stops working (epoch ms, business clock). */
  expiresAt: number;
}

export interface PresignedUpload {
  /** POST: a multipart form with `fields` first and the file last (field `file`); PUT: the file as the body with `headers`. */
  method: 'PUT' | 'POST';
  url: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  /** Where the object is read once uploaded (what a product's `images` holds). */
  publicUrl: string;
}

export interface UploadSigner {
  presign(request: UploadRequest): Promise<PresignedUpload>;
}

/** Local stage only: the folder that plays the storage (POST /dev/uploads, GET /dev/uploads/{key}). */
export interface UploadSandbox {
  /** Checks a multipart form posted to the presigned URL (signature, expiry, type, size) and stores the file; throws AppError VALIDATION_FAILED / FORBIDDEN otherwise. */
  accept(contentType: string, body: Uint8Array, now: number): Promise<{ key: string; size: number }>;
  /** The stored object, or undefined. */
  read(key: string): Promise<{ contentType: string; body: Uint8Array } | undefined>;
}

/** The image types the back office may upload, with their file extension. */
export const UPLOAD_IMAGE_TYPES = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' } as const;
export type UploadImageType = keyof typeof UPLOAD_IMAGE_TYPES;
/** 5 MB. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
