import type { Key } from '#ports/item-store';
import type { Deps } from '../deps.ts';

/**
 * Keys of referral (老带新), DESIGN.md §12:
 * - `U#<invitee>` / `REF#BY`: the invitee's one binding `{ inviterId, inviterCode, joinedAt }`,
 *   and once rewarded `rewardOrderId` (the pickup that decided it, reward or cap);
 * - `U#<inviter>` / `REF#INV#<ref>`: one invitee of the inviter `{ joinedAt, rewarded, name? }`;
 * - `U#<inviter>` / `REF#RWD#<ref>`: the inviter's reward for that invitee (exists at most once);
 * - `U#<inviter>` / `REF#CAP#<YYYY-MM>`: rewards given that month (conditional counter).
 * `<ref>` is a keyed hash of the invitee's openid, so the inviter's partition holds no openid of
 * another customer (an erased invitee leaves nothing that names them).
 */
export const referralKeys = {
  binding: (inviteeId: string): Key => ({ pk: `U#${inviteeId}`, sk: 'REF#BY' }),
  invitee: (inviterId: string, ref: string): Key => ({ pk: `U#${inviterId}`, sk: `REF#INV#${ref}` }),
  invitees: (inviterId: string) => ({ pk: `U#${inviterId}`, prefix: 'REF#INV#' }),
  reward: (inviterId: string, ref: string): Key => ({ pk: `U#${inviterId}`, sk: `REF#RWD#${ref}` }),
  rewards: (inviterId: string) => ({ pk: `U#${inviterId}`, prefix: 'REF#RWD#' }),
  monthCap: (inviterId: string, month: string): Key => ({ pk: `U#${inviterId}`, sk: `REF#CAP#${month}` }),
} as const;

/** The invitee's reference in the inviter's partition. */
export const inviteeRefOf = (deps: Pick<Deps, 'contacts'>, inviteeId: string) => deps.contacts.mac(`groupbuy/invitee/v1|${inviteeId}`).replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
