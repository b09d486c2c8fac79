import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { personName } from '../catalog/schemas.ts';
import { sceneSchema } from '../share/scenes.ts';
import { DeliveryChoiceInput } from '../delivery/schemas.ts';
import { TeamChoice } from '../teams/place.ts';

export const BasketInput = z.object({
  communityId: id(),
  items: z
    .array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(99)) }))
    .check(z.minLength(1), z.maxLength(20)),
  couponId: z.optional(id()),
  points: z.optional(z.int().check(z.minimum(0))),
  /** Home delivery instead of pickup (shared/app/delivery). */
  delivery: z.optional(DeliveryChoiceInput),
  /** 拼团: start a team of the offer (no teamId) or join one (API.md "Growth"). */
  team: z.optional(TeamChoice),
});
export type BasketInput = z.infer<typeof BasketInput>;

export const PlaceInput = z.extend(BasketInput, {
  requestId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)),
  contact: z.object({
    name: personName(20),
    phone: z.string().check(z.regex(/^1[3-9]\d{9}$/, 'expected an 11-digit mainland mobile number')),
    address: z.optional(z.string().check(z.maxLength(120))),
  }),
  /** The wallet pays first (principal, then bonus); "only": no WeChat part, INSUFFICIENT_BALANCE when short (wallet/balance.ts). */
  useBalance: z.optional(z.union([z.literal(true), z.literal('only')])),
  /** The share scene the order was placed through: its leader and inviter are recorded as the order's `attribution`. */
  scene: z.optional(sceneSchema()),
});
export type PlaceInput = z.infer<typeof PlaceInput>;
