import { AppError, isAppError, type ErrorCode } from '#domain/errors';
import { logger } from './logger.ts';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The one mapping from a thrown value to the contract's error: deliberate AppErrors keep their
 * code and public message; anything else becomes INTERNAL with no internals leaked.
 */
export function toErrorBody(e: unknown, where: string): { status: number; error: ErrorBody } {
  if (isAppError(e)) {
    return { status: e.status, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
  }
  logger.error('unexpected failure', { where, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  const internal = new AppError('INTERNAL', 'internal error');
  return { status: internal.status, error: { code: internal.code, message: internal.message } };
}
