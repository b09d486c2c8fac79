import type { Key } from '#ports/item-store';
import type { Deps } from '../deps.ts';

/**
 * Keys of the personal-information rights (shared/app/privacy):
 * - `ERASED#<hash>` / `MARK`: an erased account, by a keyed hash of its openid (HMAC under the
 *   contact MAC key, derived from SESSION_SECRET): only so that signing in again with that openid
 *   does not grant the new-user benefits twice. It holds no openid, name or phone.
 * - `JOB#retention` / `C#<communityId>`: how far the retention job has destroyed contacts of the
 *   community's orders (`through`: every order of a wave up to that date is done).
 */
export const erasedMarkOf = (deps: Pick<Deps, 'contacts'>, openid: string) => deps.contacts.mac(`groupbuy/erased-account/v1|${openid}`);

export const privacyKeys = {
  erased: (hash: string): Key => ({ pk: `ERASED#${hash}`, sk: 'MARK' }),
  retention: (communityId: string): Key => ({ pk: 'JOB#retention', sk: `C#${communityId}` }),
} as const;

/** The `userId` an anonymised order or after-sales record keeps: nobody's. */
export const ERASED_USER = 'erased';
