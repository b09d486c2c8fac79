import { isAppError } from '#domain/errors';

/** The AppError code of what a call threw, or `unexpected …` for anything else, so a test names the wrong error it got. */
export const codeOf = (e: unknown): string => (isAppError(e) ? e.code : `unexpected ${String(e)}`);
