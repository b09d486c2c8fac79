import { isAppError } from '#domain/errors';
import type { RawNotification } from '#ports/payment';
import type { RawResponse } from '#app/command';
import { logger } from '#platform/logger';

/** WeChat Pay's answer to its notifications: 200 `{ code: 'SUCCESS' }`, or an error status with FAIL. */
export const wechatPayAnswer = (status: number, code: 'SUCCESS' | 'FAIL', message?: string): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(message ? { code, message } : { code }),
});

/**
 * Verifies a WeChat Pay notification before anything in it is read. A forged or stale one is
 * answered 401 (400 when malformed) and nothing else happens.
 */
export async function verifiedNotification<T>(
  parse: (raw: RawNotification) => Promise<T>,
  raw: RawNotification,
  what: string,
): Promise<{ notice: T } | { refused: RawResponse }> {
  try {
    return { notice: await parse(raw) };
  } catch (e) {
    const code = isAppError(e) ? e.code : 'INTERNAL';
    logger.warn(`${what} notification refused`, { code });
    return { refused: wechatPayAnswer(code === 'VALIDATION_FAILED' ? 400 : 401, 'FAIL', 'notification refused') };
  }
}
