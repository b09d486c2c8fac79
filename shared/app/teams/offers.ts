import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { offerActive, teamOfferIssues, type TeamStatus } from '#domain/teams';
import { queryAll, type Item } from '#ports/item-store';
import { id, isoTime } from '#platform/schema';
import type { Deps } from '../deps.ts';
import { requireProduct } from '../catalog/products.ts';
import { staffFen, staffUnits } from '../catalog/schemas.ts';
import { allOffers, offerIndex, openTeamsOf, teamKeys } from './keys.ts';

export const TeamOfferInput = z.object({
  id: z.optional(id()),
  productId: id(),
  teamSize: z.int().check(z.minimum(2), z.maximum(10)),
  teamPriceFen: staffFen(1),
  windowHours: z.int().check(z.minimum(1), z.maximum(72)),
  perUserLimit: z.int().check(z.minimum(1), z.maximum(99)),
  stock: staffUnits(1),
  startsAt: isoTime(),
  endsAt: isoTime(),
});
export type TeamOfferInput = z.infer<typeof TeamOfferInput>;

export type TeamOffer = TeamOfferInput & { id: string; title: string; priceFen: number; updatedAt: string };

/** A team as stored (`TEAM#<teamId>` / `META`). */
export interface Team {
  teamId: string;
  offerId: string;
  productId: string;
  communityId: string;
  waveDate: string;
  size: number;
  status: TeamStatus;
  /** Paid members so far (a conditional counter, never above `size`). */
  paid: number;
  /** The paid members, in payment order: what completion and dissolution act on. */
  members: TeamMember[];
  startedBy: string;
  createdAt: string;
  endsAt: string;
  completedAt?: string;
  dissolvedAt?: string;
  /** Set once every member of a dissolved team was refunded (the expire job's sweep). */
  sweptAt?: string;
}

export interface TeamMember {
  orderId: string;
  userId: string;
  communityId: string;
  waveDate: string;
  shortNo: string;
  /** Masked (张*). */
  name: string;
  paidAt: string;
}

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);
const strip = (item: Item): Record<string, unknown> => Object.fromEntries(Object.entries(item).filter(([k]) => !META.has(k)));

export const teamFromItem = (item: Item): Team => strip(item) as unknown as Team;

export async function getOffer(deps: Deps, offerId: string): Promise<TeamOffer | undefined> {
  const item = await deps.store.get(teamKeys.offer(offerId));
  return item ? (strip(item) as unknown as TeamOffer) : undefined;
}

export async function getTeam(deps: Deps, teamId: string, consistent = true): Promise<Team | undefined> {
  const item = await deps.store.get(teamKeys.team(teamId), { consistent });
  return item ? teamFromItem(item) : undefined;
}

/** POST /admin/team-offers: creates or replaces an offer's terms; the units sold stay counted apart. */
export async function upsertTeamOffer(deps: Deps, input: TeamOfferInput): Promise<TeamOffer & { sold: number }> {
  const product = await requireProduct(deps, input.productId);
  const issues = teamOfferIssues(input, product.priceFen);
  if (issues.length) throw new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues });
  const offerId = input.id ?? deps.ids.newId();
  const offer: TeamOffer = { ...input, id: offerId, title: product.title, priceFen: product.priceFen, updatedAt: toBizIso(deps.clock.now()) };
  await deps.store.write({ type: 'put', item: { ...teamKeys.offer(offerId), ...offerIndex(offerId), ...offer } });
  const sold = Number((await deps.store.get(teamKeys.offerStock(offerId)))?.sold ?? 0);
  return { ...offer, sold };
}

/** Every offer with its units sold (staff). */
export async function listTeamOffers(deps: Deps): Promise<(TeamOffer & { sold: number })[]> {
  const offers = (await queryAll(deps.store, allOffers())).map((it) => strip(it) as unknown as TeamOffer);
  const stock = await deps.store.getMany(offers.map((o) => teamKeys.offerStock(o.id)));
  const sold = new Map(stock.map((s) => [String(s.pk), Number(s.sold ?? 0)]));
  return offers.map((o) => ({ ...o, sold: sold.get(teamKeys.offerStock(o.id).pk) ?? 0 }));
}

/**
 * GET /team-offers?communityId=: the offers on now, each with the community's open teams that
 * have at least one paid member and room left (what a customer may join).
 */
export async function teamOffersFor(deps: Deps, communityId: string) {
  const now = deps.clock.now();
  const [offers, open] = await Promise.all([listTeamOffers(deps), queryAll(deps.store, openTeamsOf(communityId))]);
  const teams = open.map(teamFromItem).filter((t) => t.status === 'OPEN' && t.paid > 0 && t.paid < t.size && Date.parse(t.endsAt) > now);
  return offers
    .filter((o) => offerActive(o, now))
    .map(({ sold, updatedAt: _u, ...o }) => ({
      ...o,
      remaining: Math.max(0, o.stock - sold),
      openTeams: teams.filter((t) => t.offerId === o.id).map((t) => ({ teamId: t.teamId, members: t.paid, needed: t.size - t.paid, endsAt: t.endsAt })),
    }));
}

/** GET /teams/{teamId}: the team as a share link shows it (masked member names). */
export async function teamView(deps: Deps, teamId: string) {
  const team = await getTeam(deps, teamId, false);
  if (!team) throw new AppError('NOT_FOUND', `team ${teamId} not found`);
  return {
    teamId: team.teamId,
    offerId: team.offerId,
    productId: team.productId,
    communityId: team.communityId,
    status: team.status,
    members: team.members.map((m) => ({ name: m.name })),
    size: team.size,
    needed: team.status === 'OPEN' ? team.size - team.paid : 0,
    endsAt: team.endsAt,
  };
}
