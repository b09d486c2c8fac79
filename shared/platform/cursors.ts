import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '#domain/errors';

/**
 * Page cursors handed to clients are signed and bound to their query: the HMAC covers the
 * command, the caller and the query's filter inputs, so a junk, tampered or foreign cursor
 * (another query's, another user's) is refused with VALIDATION_FAILED before any use case or
 * store sees it. The store's own cursor (a LastEvaluatedKey, an offset) stays opaque inside.
 *
 * Wire form: `<inner>.<tag>`, tag = base64url of the first 16 bytes of
 * HMAC-SHA256(key, JSON [version, command, caller, filter, inner]).
 */
const VERSION = 'c1';
const TAG_BYTES = 16;
const TAG = /^[A-Za-z0-9_-]{22}$/;
/** Longer than any cursor we hand out (a DynamoDB key of four short attributes plus the tag). */
export const MAX_CURSOR_LENGTH = 4096;

/** Inputs that shape a page but not which query it is: a cursor stays valid across them. */
const NOT_IDENTITY = new Set(['cursor', 'limit', 'format']);

export interface CursorScope {
  /** The command's name (`order.list`). */
  command: string;
  /** Who asked: the user id, or the kind of caller without one. */
  caller: string;
  /** The parsed input; every field but the cursor, page size and format binds the cursor. */
  input: Record<string, unknown>;
}

const invalid = () =>
  new AppError('VALIDATION_FAILED', 'the cursor is not valid for this query', { issues: [{ path: 'cursor', message: 'not a cursor of this query' }] });

/** Splits a client's cursor into the store's cursor and its tag, or refuses it. */
export function splitCursor(cursor: string): { inner: string; tag: string } {
  const at = cursor.lastIndexOf('.');
  const tag = cursor.slice(at + 1);
  if (at < 1 || cursor.length > MAX_CURSOR_LENGTH || !TAG.test(tag)) throw invalid();
  return { inner: cursor.slice(0, at), tag };
}

/** The cursor a client gets for the store's `inner` cursor of this query. */
export function sealCursor(key: Uint8Array, scope: CursorScope, inner: string): string {
  return `${inner}.${tagOf(key, scope, inner).toString('base64url')}`;
}

/** Throws VALIDATION_FAILED unless `tag` was made by sealCursor for this very query and inner cursor. */
export function verifyCursor(key: Uint8Array, scope: CursorScope, inner: string, tag: string): void {
  const given = Buffer.from(tag, 'base64url');
  const want = tagOf(key, scope, inner);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw invalid();
}

function tagOf(key: Uint8Array, scope: CursorScope, inner: string): Buffer {
  const filter = Object.fromEntries(
    Object.entries(scope.input)
      .filter(([k, v]) => !NOT_IDENTITY.has(k) && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return createHmac('sha256', key)
    .update(stableJson([VERSION, scope.command, scope.caller, filter, inner]))
    .digest()
    .subarray(0, TAG_BYTES);
}

/** JSON with object keys sorted at every level, so equal inputs give equal bytes. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The key cursors are signed with, derived from the session secret (one secret to configure and rotate). */
export function deriveCursorKey(sessionSecret: string): Uint8Array {
  return createHmac('sha256', sessionSecret).update('groupbuy/cursor-key/v1').digest();
}
