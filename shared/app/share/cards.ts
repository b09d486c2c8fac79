import { AppError, isAppError } from '#domain/errors';
import { logger } from '#platform/logger';
import { ConditionFailed } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { requireCommunity } from '../catalog/communities.ts';
import { inviteCodeOf } from '../referral/codes.ts';
import { cardObjectKey, shareKeys } from './keys.ts';
import { storeScene, type SceneContent } from './scenes.ts';

/** The mini-program page a card opens (it reads the scene and calls GET /share/resolve). */
export const SHARE_PAGE = 'pages/index/index';

/** How long a card maker holds its claim before another may take over. */
const MAKING_MS = 30_000;
const WAIT_STEP_MS = 150;
const WAIT_STEPS = 80;

/**
 * The share card of a customer (or a leader) for a community, optionally a product:
 * `{ scene, imageUrl }`. The scene stores the community, the product, the community's leader and
 * the caller's invite code; the same content gives the same scene, and its image (a
 * `wxacode.getUnlimited` code in object storage) is made once per scene.
 */
export async function shareCardFor(deps: Deps, input: { userId: string; communityId: string; productId?: string }): Promise<{ scene: string; imageUrl: string }> {
  const community = await requireCommunity(deps, input.communityId);
  if (input.productId !== undefined && !(await deps.store.get(keys.product(input.productId))))
    throw new AppError('NOT_FOUND', `product ${input.productId} not found`, { productId: input.productId });
  const content: SceneContent = {
    communityId: community.id,
    ...(input.productId !== undefined ? { productId: input.productId } : {}),
    ...(community.leaderId ? { leaderId: community.leaderId } : {}),
    inviterCode: await inviteCodeOf(deps, input.userId),
  };
  const scene = await storeScene(deps, content);
  return { scene, imageUrl: await cardImageOf(deps, scene) };
}

/**
 * The scene's card image URL, made at most once: the first caller claims the scene
 * (`makingUntil`, conditional), asks for the code, stores it and records `imageUrl`; others
 * wait for that URL (a claim older than 30 s is taken over, so a crashed maker does not block).
 */
export async function cardImageOf(deps: Deps, scene: string): Promise<string> {
  const key = shareKeys.scene(scene);
  for (let step = 0; step < WAIT_STEPS; step++) {
    const item = await deps.store.get(key, { consistent: true });
    if (!item) throw new AppError('NOT_FOUND', 'no such share scene', { scene });
    if (typeof item.imageUrl === 'string') return item.imageUrl;
    const now = deps.clock.now();
    const claim = deps.ids.newId();
    try {
      await deps.store.write({
        type: 'update',
        key,
        update: { set: { makingUntil: now + MAKING_MS, makingBy: claim } },
        when: [
          { op: 'attrNotExists', path: 'imageUrl' },
          { op: 'or', conditions: [{ op: 'attrNotExists', path: 'makingUntil' }, { op: 'lt', path: 'makingUntil', value: now }] },
        ],
      });
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
      continue;
    }
    let url: string;
    try {
      const code = await deps.miniCodes.unlimited({ scene, page: SHARE_PAGE });
      url = await deps.objectStorage.put(cardObjectKey(scene), code.bytes, code.contentType);
    } catch (e) {
      // Give the claim back at once, so the next call tries again instead of waiting 30 s.
      await deps.store.write({ type: 'update', key, update: { remove: ['makingUntil', 'makingBy'] }, when: [{ op: 'eq', path: 'makingBy', value: claim }] }).catch(() => undefined);
      if (isAppError(e)) throw e;
      // WeChat (access token, wxacode) or the storage did not answer: a retryable refusal, never a 500.
      logger.warn('share card not made', { scene, error: (e as Error).name });
      throw new AppError('RATE_LIMITED', 'the share card could not be made now; try again shortly', { retryable: true });
    }
    try {
      await deps.store.write({ type: 'update', key, update: { set: { imageUrl: url, madeAt: now }, remove: ['makingUntil', 'makingBy'] }, when: [{ op: 'eq', path: 'makingBy', value: claim }] });
      return url;
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      // Our claim lapsed and another maker took over: its URL (the same object key) wins.
    }
  }
  throw new AppError('RATE_LIMITED', 'the share card is being made; try again shortly');
}
