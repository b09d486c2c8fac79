import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { isSlot } from '#domain/delivery';

/** A community's delivery settings (`PUT /admin/communities/{id}` `delivery`). */
export const DeliverySettingsInput = z.object({
  enabled: z.boolean(),
  feeFen: z.int().check(z.minimum(0), z.maximum(100_000)),
  freeAboveFen: z.int().check(z.minimum(0), z.maximum(100_000_000)),
  slots: z
    .array(z.string().check(z.refine(isSlot, 'expected HH:mm-HH:mm, the end after the start')))
    .check(z.maxLength(8), z.refine((s) => new Set(s).size === s.length, 'must not repeat a slot')),
}).check(z.refine((d) => !d.enabled || d.slots.length > 0, { message: 'at least one slot when enabled', path: ['slots'] }));

/** An order's choice of delivery (`order.quote` and `order.place` `delivery`). */
export const DeliveryChoiceInput = z.object({ addressId: id(), slot: z.string().check(z.maxLength(11)) });
export type DeliveryChoiceInput = z.infer<typeof DeliveryChoiceInput>;
