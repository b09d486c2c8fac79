import { AppError } from '#domain/errors';
import { queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { cachedGet } from '../read-cache.ts';
import type { CommunityInput } from './schemas.ts';

export type Community = CommunityInput & { id: string; leaderId?: string; leaderName?: string; status: 'active' | 'inactive' };

const strip = ({ pk, sk, gsi1pk, gsi1sk, ...rest }: Item) => rest;

export async function getCommunity(deps: Deps, id: string): Promise<Community | undefined> {
  const it = await deps.store.get(keys.community(id));
  return it ? (strip(it) as unknown as Community) : undefined;
}

export async function requireCommunity(deps: Deps, id: string): Promise<Community> {
  const c = await getCommunity(deps, id);
  if (!c || c.status === 'inactive') throw new AppError('NOT_FOUND', `community ${id} not found`, { communityId: id });
  return c;
}

/** As requireCommunity, through the per-instance read cache (read-cache.ts): placement and quote. */
export async function requireCommunityCached(deps: Deps, id: string): Promise<Community> {
  const it = await cachedGet(deps, keys.community(id));
  const c = it ? (strip(it) as unknown as Community) : undefined;
  if (!c || c.status === 'inactive') throw new AppError('NOT_FOUND', `community ${id} not found`, { communityId: id });
  return c;
}

export async function listCommunities(deps: Deps): Promise<Community[]> {
  const items = await queryAll(deps.store, allOfType('community'));
  return items.map((it) => strip(it) as unknown as Community);
}
