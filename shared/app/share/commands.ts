import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { shareCardFor } from './cards.ts';
import { resolveScene, sceneSchema } from './scenes.ts';

/** POST /share/cards: the caller's share card (mini-program code) for a community, optionally a product. */
export const shareCardCommand = defineCommand({
  name: 'order.shareCard',
  roles: ['customer'],
  input: z.object({ communityId: id(), productId: z.optional(id()) }),
  http: { method: 'POST', path: '/share/cards' },
  run: (ctx, input) => shareCardFor(ctx.deps, { userId: userOf(ctx).userId, communityId: input.communityId, ...(input.productId !== undefined ? { productId: input.productId } : {}) }),
});

/** GET /share/resolve?scene=: what a scanned or shared scene opens (the landing data). */
export const resolveSceneCommand = defineCommand({
  name: 'order.resolveScene',
  roles: ['customer'],
  input: z.object({ scene: sceneSchema() }),
  http: { method: 'GET', path: '/share/resolve' },
  run: (ctx, input) => resolveScene(ctx.deps, input.scene),
});

export const shareCommands = [shareCardCommand, resolveSceneCommand];
