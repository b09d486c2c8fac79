import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { id } from '#platform/schema';
import { listTeamOffers, TeamOfferInput, teamOffersFor, teamView, upsertTeamOffer } from './offers.ts';

const Offer = z.object({
  id: z.string(),
  productId: z.string(),
  title: z.string(),
  priceFen: z.int(),
  teamSize: z.int(),
  teamPriceFen: z.int(),
  windowHours: z.int(),
  perUserLimit: z.int(),
  stock: z.int(),
  startsAt: z.string(),
  endsAt: z.string(),
});
const StaffOffer = z.object({ ...Offer.shape, sold: z.int(), updatedAt: z.string() });

/** Staff: creates or replaces a team offer (拼团) on a product. */
export const upsertTeamOfferCommand = defineCommand({
  name: 'admin.upsertTeamOffer',
  roles: ['owner', 'operations'],
  input: TeamOfferInput,
  http: { method: 'POST', path: '/admin/team-offers' },
  output: StaffOffer,
  run: ({ deps }, input) => upsertTeamOffer(deps, input),
});

/** Staff: every team offer with the units sold. */
export const listTeamOffersCommand = defineCommand({
  name: 'admin.teamOffers',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/team-offers' },
  output: z.array(StaffOffer),
  run: ({ deps }) => listTeamOffers(deps),
});

/** Customer: the team offers on now, with the pickup point's open teams to join. */
export const teamOffersCommand = defineCommand({
  name: 'order.teamOffers',
  roles: ['customer'],
  input: z.object({ communityId: id() }),
  http: { method: 'GET', path: '/team-offers' },
  output: z.array(z.object({ ...Offer.shape, remaining: z.int(), openTeams: z.array(z.object({ teamId: z.string(), members: z.int(), needed: z.int(), endsAt: z.string() })) })),
  run: ({ deps }, input) => teamOffersFor(deps, input.communityId),
});

/** Customer: a team as its share link shows it. */
export const teamCommand = defineCommand({
  name: 'order.team',
  roles: ['customer'],
  input: z.object({ teamId: id() }),
  http: { method: 'GET', path: '/teams/{teamId}' },
  output: z.object({
    teamId: z.string(),
    offerId: z.string(),
    productId: z.string(),
    communityId: z.string(),
    status: z.enum(['OPEN', 'COMPLETE', 'DISSOLVED']),
    members: z.array(z.object({ name: z.string() })),
    size: z.int(),
    needed: z.int(),
    endsAt: z.string(),
  }),
  run: ({ deps }, input) => teamView(deps, input.teamId),
});

export const teamAdminCommands = [upsertTeamOfferCommand, listTeamOffersCommand];
export const teamCustomerCommands = [teamOffersCommand, teamCommand];
