/**
 * The cryptography of WeChat Pay API v3, with node:crypto only: SHA256-with-RSA signatures
 * (request Authorization, paySign, signed responses and notifications) and AEAD_AES_256_GCM
 * resources. Shared by the production adapter and the local sandbox, so the local stage runs the
 * same verification code as production.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '#domain/errors';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat Pay rejects, and so do we, a signed message whose timestamp is off by more than this. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export const HEADER = {
  timestamp: 'Wechatpay-Timestamp',
  nonce: 'Wechatpay-Nonce',
  signature: 'Wechatpay-Signature',
  serial: 'Wechatpay-Serial',
  signatureType: 'Wechatpay-Signature-Type',
} as const;

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  associated_data?: string;
  nonce: string;
  original_type?: string;
}

/** A random nonce of 32 upper-case hex characters (WeChat Pay accepts at most 32). */
export const randomNonce = (): string => randomBytes(16).toString('hex').toUpperCase();

export const privateKeyOf = (pem: string): KeyObject => createPrivateKey(pem);
export const publicKeyOf = (pem: string | KeyObject): KeyObject => createPublicKey(pem);

/** SHA256 with RSA (PKCS#1 v1.5), base64. */
export const rsaSign = (message: string, key: KeyObject): string => sign('sha256', Buffer.from(message, 'utf8'), key).toString('base64');

export function rsaVerify(message: string, signatureBase64: string, key: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** The lines a v3 signature covers, each ended by a newline. */
export const signedLines = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

/** The Authorization header of a merchant request: a signature over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`. */
export function requestAuthorization(input: {
  mchId: string;
  serial: string;
  key: KeyObject;
  method: string;
  /** Path and query, as sent. */
  url: string;
  body: string;
  timestamp: string;
  nonce: string;
}): string {
  const signature = rsaSign(signedLines(input.method, input.url, input.timestamp, input.nonce, input.body), input.key);
  return `${AUTH_SCHEME} mchid="${input.mchId}",nonce_str="${input.nonce}",signature="${signature}",timestamp="${input.timestamp}",serial_no="${input.serial}"`;
}

/** The fields of an Authorization header (for whoever checks a merchant request: tests, the sandbox). */
export function parseAuthorization(header: string | undefined): Record<string, string> | undefined {
  if (!header?.startsWith(`${AUTH_SCHEME} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const m of header.slice(AUTH_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  return fields;
}

/** A header by name, whatever its case (API Gateway and fetch lower-case them). */
export function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The headers WeChat Pay puts on a signed response or notification: a signature over `timestamp\nnonce\nbody\n`. */
export function signedHeaders(body: string, key: KeyObject, serial: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = randomNonce();
  return {
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: rsaSign(signedLines(timestamp, nonce, body), key),
    [HEADER.serial]: serial,
    [HEADER.signatureType]: AUTH_SCHEME,
  };
}

const unauthenticated = (why: string) => new AppError('UNAUTHENTICATED', `wechat pay signature rejected: ${why}`);

/**
 * Checks a signed message from WeChat Pay against the RAW body: the key chosen by
 * `Wechatpay-Serial` must be known, the timestamp within five minutes of now (when asked), and
 * the signature valid. Throws AppError('UNAUTHENTICATED') otherwise.
 */
export function verifySignedMessage(
  message: { headers: Record<string, string | undefined>; body: string },
  platformKeys: ReadonlyMap<string, KeyObject>,
  options: { nowMs: number; checkTimestamp: boolean },
): void {
  const get = (name: string) => headerOf(message.headers, name);
  const timestamp = get(HEADER.timestamp);
  const nonce = get(HEADER.nonce);
  const signature = get(HEADER.signature);
  const serial = get(HEADER.serial);
  if (!timestamp || !nonce || !signature || !serial) throw unauthenticated('missing signature headers');
  const signatureType = get(HEADER.signatureType);
  if (signatureType !== undefined && signatureType !== AUTH_SCHEME) throw unauthenticated('unsupported signature type');
  const key = platformKeys.get(serial);
  if (!key) throw unauthenticated('unknown platform serial');
  if (options.checkTimestamp) {
    if (!/^\d{1,12}$/.test(timestamp)) throw unauthenticated('bad timestamp');
    if (Math.abs(Math.floor(options.nowMs / 1000) - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) throw unauthenticated('stale timestamp');
  }
  if (!rsaVerify(signedLines(timestamp, nonce, message.body), signature, key)) throw unauthenticated('bad signature');
}

const GCM_TAG_BYTES = 16;

/** AEAD_AES_256_GCM with the APIv3 key: the ciphertext is base64 of the encrypted bytes followed by the 16-byte tag. */
export function encryptResource(plaintext: string, apiV3Key: string, associatedData: string): EncryptedResource {
  const nonce = randomBytes(6).toString('hex'); // 12 characters, used as UTF-8 bytes like WeChat's
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: encrypted.toString('base64'), associated_data: associatedData, nonce };
}

/** Decrypts a notification resource; a wrong key, nonce, associated data or tag throws AppError('UNAUTHENTICATED'). */
export function decryptResource(resource: EncryptedResource, apiV3Key: string): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new AppError('VALIDATION_FAILED', 'unsupported resource algorithm');
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length <= GCM_TAG_BYTES) throw new AppError('VALIDATION_FAILED', 'resource ciphertext too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('UNAUTHENTICATED', 'wechat pay resource could not be decrypted');
  }
}

/** The APIv3 key is 32 bytes; checked once at start-up, never echoed. */
export function assertApiV3Key(apiV3Key: string): void {
  if (Buffer.byteLength(apiV3Key, 'utf8') !== 32) throw new Error('wechat pay apiV3Key must be 32 bytes');
}
