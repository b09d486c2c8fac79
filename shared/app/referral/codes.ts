import { ConditionFailed } from '#ports/item-store';
import { AppError } from '#domain/errors';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { shareKeys } from '../share/keys.ts';

/**
 * Every customer's invite code (老带新): `V` + 8 random digits, made on first need, kept on the
 * profile (`inviteCode`) and indexed by `INVITE#<code>` → userId. Two concurrent first needs
 * agree on one code (the profile's condition), the loser's index entry is removed.
 */
export async function inviteCodeOf(deps: Deps, userId: string): Promise<string> {
  const profile = await deps.store.get(keys.user(userId), { consistent: true });
  if (typeof profile?.inviteCode === 'string') return profile.inviteCode;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const code = `V${deps.ids.digits(8)}`;
    try {
      await deps.store.write({ type: 'put', item: { ...shareKeys.inviteCode(code), userId }, when: [{ op: 'notExists' }] });
    } catch (e) {
      if (e instanceof ConditionFailed) continue; // taken: another code
      throw e;
    }
    try {
      await deps.store.write({ type: 'update', key: keys.user(userId), update: { set: { inviteCode: code }, setIfAbsent: { id: userId } }, when: [{ op: 'attrNotExists', path: 'inviteCode' }] });
      return code;
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      await deps.store.write({ type: 'delete', key: shareKeys.inviteCode(code) }).catch(() => undefined);
      const again = await deps.store.get(keys.user(userId), { consistent: true });
      if (typeof again?.inviteCode === 'string') return again.inviteCode;
    }
  }
  throw new AppError('INTERNAL', 'no invite code could be made');
}

/** Whose invite code it is; undefined when unknown. */
export async function inviterOfCode(deps: Deps, code: string): Promise<string | undefined> {
  const item = await deps.store.get(shareKeys.inviteCode(code));
  return typeof item?.userId === 'string' ? item.userId : undefined;
}
