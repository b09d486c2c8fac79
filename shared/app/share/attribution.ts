import type { Deps } from '../deps.ts';
import { sceneContent } from './scenes.ts';

/** Who brought an order: the leader and the inviter of the share scene it was placed through. */
export interface Attribution {
  leaderId?: string;
  inviterCode?: string;
}

/**
 * The attribution an order placed through `scene` records (order.place `scene?`): the scene's
 * leader and inviter code. No scene, an unknown one, or one naming neither: none (the order is
 * placed as usual; a scene never refuses an order).
 */
export async function attributionOf(deps: Deps, scene: string | undefined): Promise<Attribution | undefined> {
  if (!scene) return undefined;
  const content = await sceneContent(deps, scene);
  if (!content || (!content.leaderId && !content.inviterCode)) return undefined;
  return { ...(content.leaderId ? { leaderId: content.leaderId } : {}), ...(content.inviterCode ? { inviterCode: content.inviterCode } : {}) };
}
