import type { Key } from '#ports/item-store';

/**
 * Keys of share scenes and invite codes (DESIGN.md §12):
 * - `SCENE#<scene>` / `META`: a stored scene `{ communityId?, productId?, leaderId?, inviterCode? }`
 *   with its card once made (`imageUrl`) and the claim of whoever is making it (`makingUntil`).
 * - `INVITE#<code>` / `META`: whose invite code it is (`userId`).
 */
export const shareKeys = {
  scene: (scene: string): Key => ({ pk: `SCENE#${scene}`, sk: 'META' }),
  inviteCode: (code: string): Key => ({ pk: `INVITE#${code}`, sk: 'META' }),
} as const;

/** The object-storage key of a scene's card. */
export const cardObjectKey = (scene: string) => `cards/${scene}.png`;
