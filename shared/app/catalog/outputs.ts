import * as z from 'zod/mini';

/** Output schemas of the browsing commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));

export const Communities = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    address: z.string(),
    region: z.string(),
    /** The pickup point's opening hours and closed weekdays (0 = Sunday), when set. */
    hours: z.optional(z.object({ opens: z.string(), closes: z.string(), closedDays: z.optional(z.array(z.number())) })),
    /** Home delivery, when the community delivers: fee, free above, slots. */
    delivery: z.optional(z.object({ enabled: z.boolean(), feeFen: z.int(), freeAboveFen: z.int(), slots: z.array(z.string()) })),
    /** Metres from the given point, when `lat` and `lng` were given. */
    distanceM: z.optional(z.number()),
    leader: z.object({ name: z.string() }),
  }),
);

export const WaveInfo = z.object({ date: z.string(), cutoffAt: z.string(), arrivalAt: z.string() });

export const Catalog = z.object({
  wave: WaveInfo,
  products: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      category: z.string(),
      priceFen: fen(),
      memberPriceFen: z.optional(fen()),
      /** What remains of a limited stock in this wave. */
      remaining: z.optional(z.int()),
      perUserLimit: z.optional(z.int()),
      fresh: z.boolean(),
      flashSale: z.optional(z.object({ priceFen: fen(), startsAt: z.string(), endsAt: z.string(), perUserLimit: z.optional(z.int()), remaining: z.int() })),
    }),
  ),
});

export const catalogOutputs = {
  'order.communities': Communities,
  'order.catalog': Catalog,
};
