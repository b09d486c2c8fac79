import type { Deps } from '../deps.ts';
import { readWallet } from './balance.ts';
import { meLevel } from './levels.ts';

/** What `GET /me` adds (API.md "Growth"): `level: { name, growth, nextAt? }` (with the level's benefits) and `wallet: { principalFen, bonusFen }`. */
export async function meGrowth(deps: Deps, userId: string) {
  const [level, wallet] = await Promise.all([meLevel(deps, userId), readWallet(deps, userId)]);
  return { level, wallet };
}
