/**
 * The one error family of the API contract. Every deliberate failure is an AppError with a
 * code from API.md; anything else is reported to callers as INTERNAL without details.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  WAVE_CLOSED: 409,
  OUT_OF_STOCK: 409,
  LIMIT_EXCEEDED: 409,
  INVALID_STATE: 409,
  ALREADY_DONE: 409,
  INSUFFICIENT_BALANCE: 409,
  NOT_SERVED: 409,
  TEAM_FULL: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
