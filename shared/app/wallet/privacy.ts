import { AppError } from '#domain/errors';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { readWallet } from './balance.ts';
import { walletKeys } from './keys.ts';

/**
 * Account deletion and the wallet (DESIGN.md §15): refused while unused principal remains (the
 * customer withdraws it first, `POST /wallet/withdrawal`); otherwise what names the customer
 * outside their own partition goes: the monthly growth counters, the recharge and membership
 * references and their request records. The partition itself is deleted by the caller.
 */
export async function assertWalletErasable(deps: Deps, userId: string): Promise<void> {
  const { principalFen } = await readWallet(deps, userId);
  if (principalFen > 0) throw new AppError('INVALID_STATE', 'the wallet still holds principal: ask for it back first (POST /wallet/withdrawal)', { principalFen });
}

export async function eraseWalletRefs(deps: Deps, userId: string): Promise<void> {
  const own = await queryAll(deps.store, { pk: `U#${userId}`, consistent: true });
  for (const it of own) {
    const sk = String(it.sk);
    if (sk.startsWith('GRO#') && it.month) await deps.store.write({ type: 'delete', key: walletKeys.growth(String(it.month), userId) });
    if (sk.startsWith('RCH#') || sk.startsWith('MBO#')) {
      await deps.store.write({ type: 'delete', key: walletKeys.tradeRef(String(it.id)) });
      if (it.requestId) await deps.store.write({ type: 'delete', key: walletKeys.request(userId, String(it.requestId)) });
    }
  }
}
