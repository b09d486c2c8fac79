import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// English messages for every schema failure (zod/mini ships none by default). Imported by
// namespace and one locale file: `import { z }` / `z.locales` would bundle every locale
// (~400 KB in each function).
z.config(en());


/** Integer fen, never negative. */
export const fen = () => z.int().check(z.minimum(0));
export const id = () => z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/));
export const bizDateSchema = () => z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD'));
export const isoTime = () => z.iso.datetime({ offset: true });

/**
 * A latitude (limit 90) or longitude (limit 180) in degrees, kept to 7 decimal places (about
 * 1 cm): finer digits mean nothing for a pickup point, and DynamoDB cannot store magnitudes
 * below 1e-130 (a 500 otherwise).
 */
export const coordinate = (limit: 90 | 180) =>
  z.pipe(
    z.number().check(z.gte(-limit), z.lte(limit)),
    z.transform((n) => Math.round(n * 1e7) / 1e7 || 0),
  );

/**
 * A number in a query string (HTTP) or a real number (CloudBase data). Body numbers are never
 * parsed from strings; only query parameters, which HTTP can only carry as text, are.
 */
export const queryNumber = () =>
  z.union([
    z.number(),
    z.pipe(
      z.string().check(z.regex(/^-?\d+(\.\d+)?$/, 'expected a number')),
      z.transform((s) => Number(s)),
    ),
  ]);

export interface Issue {
  path: string;
  message: string;
}

export function toIssues(error: z.core.$ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
