import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { waveCutoffAt } from '#domain/wave-clock';
import { offerActive, teamEndsAt } from '#domain/teams';
import type { Item, WriteOp } from '#ports/item-store';
import { id } from '#platform/schema';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import type { Product } from '../catalog/products.ts';
import { priceFor, type PricedBasket } from '../orders/quote.ts';
import type { BasketInput } from '../orders/schemas.ts';
import type { Guard } from '../orders/place.ts';
import { getOffer, getTeam, type Team, type TeamOffer } from './offers.ts';
import { dueTeamIndex, openTeamIndex, teamKeys, teamLimitScope } from './keys.ts';

/** `order.place`'s `team`: start a team of the offer (no teamId) or join one. */
export const TeamChoice = z.object({ offerId: id(), teamId: z.optional(id()) });

export interface TeamPlan {
  offer: TeamOffer;
  /** The team joined; absent when this order starts one. */
  team?: Team;
  teamId: string;
}
export type TeamPricedBasket = PricedBasket & { team: TeamPlan };

const closed = (teamId: string) => new AppError('INVALID_STATE', 'the team is no longer open', { teamId, reason: 'TEAM_CLOSED' });
const full = (teamId: string) => new AppError('TEAM_FULL', 'the team is full', { teamId });

/** The product as a team order buys it: the team price, no member or flash price, no wave stock or limit of its own (the offer's hold instead). */
function teamProduct(p: Product, offer: TeamOffer): Product {
  const { memberPriceFen: _m, flashSale: _f, stockPerWave: _s, perUserLimit: _l, ...rest } = p;
  return { ...rest, priceFen: offer.teamPriceFen } as Product;
}

/**
 * Prices a team order (API.md "Growth"): one line, the offer's product, at the team price.
 * Steps: offer on → the joined team open with room, the caller not in it → the usual pricing
 * with the product at its team price → a joined team must be of the open wave.
 */
export async function priceTeamOrder(deps: Deps, userId: string, input: BasketInput): Promise<TeamPricedBasket> {
  const choice = input.team!;
  const [offer, team, membership] = await Promise.all([
    getOffer(deps, choice.offerId),
    choice.teamId ? getTeam(deps, choice.teamId) : undefined,
    choice.teamId ? deps.store.get(teamKeys.member(choice.teamId, userId), { consistent: true }) : undefined,
  ]);
  if (!offer) throw new AppError('NOT_FOUND', `team offer ${choice.offerId} not found`, { offerId: choice.offerId });
  const line = input.items[0]!;
  if (input.items.length !== 1 || line.productId !== offer.productId)
    throw new AppError('VALIDATION_FAILED', 'a team order buys the offer’s product alone', { issues: [{ path: 'items', message: `exactly one line of ${offer.productId}` }] });
  if (line.qty > offer.perUserLimit) throw new AppError('LIMIT_EXCEEDED', `at most ${offer.perUserLimit} per customer in this team offer`, { productId: offer.productId, limit: offer.perUserLimit });
  if (line.qty > offer.stock) throw new AppError('OUT_OF_STOCK', `the team offer of ${offer.productId} is sold out`, { productId: offer.productId, remaining: offer.stock });
  const now = deps.clock.now();
  if (!offerActive(offer, now)) throw new AppError('INVALID_STATE', 'the team offer is not on', { offerId: offer.id, reason: 'OFFER_NOT_ON' });
  if (choice.teamId) {
    if (!team || team.offerId !== offer.id) throw new AppError('NOT_FOUND', `team ${choice.teamId} not found`, { teamId: choice.teamId });
    if (membership || team.startedBy === userId || team.members.some((m) => m.userId === userId))
      throw new AppError('INVALID_STATE', 'you are in this team already', { teamId: team.teamId, reason: 'ALREADY_MEMBER' });
    if (team.status === 'COMPLETE' || team.paid >= team.size) throw full(team.teamId);
    if (team.status !== 'OPEN' || now >= Date.parse(team.endsAt)) throw closed(team.teamId);
  }
  const basket = await priceFor(deps, userId, input, {
    adjust: (products) => {
      const p = products.get(offer.productId);
      if (p) products.set(p.id, teamProduct(p, offer));
    },
  });
  if (team && team.waveDate !== basket.waveDate) throw closed(team.teamId);
  return { ...basket, team: { offer, ...(team ? { team } : {}), teamId: team?.teamId ?? deps.ids.newId() } };
}

/**
 * The holds of a team order, beside placement's own: the offer's stock and per-customer limit
 * (conditional counters), the team started (a new OPEN team) or joined (checked OPEN with
 * room), and the caller's one membership of the team. Given back by `teamReleaseOps`.
 */
export function teamHoldOps(deps: Deps, userId: string, communityId: string, priced: TeamPricedBasket, orderId: string, now: number): { ops: WriteOp[]; guards: Guard[]; ref: { offerId: string; teamId: string } } {
  const { offer, team, teamId } = priced.team;
  const qty = priced.quote.lines[0]!.qty;
  const ops: WriteOp[] = [];
  const guards: Guard[] = [];
  const add = (op: WriteOp, g: Guard) => {
    ops.push(op);
    guards.push(g);
  };
  add(
    {
      type: 'update',
      key: teamKeys.offerStock(offer.id),
      update: { inc: { sold: qty } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'sold' }, { op: 'lte', path: 'sold', value: offer.stock - qty }] }],
    },
    { kind: 'stock', productId: offer.productId, limit: offer.stock },
  );
  add(
    {
      type: 'update',
      key: keys.userLimit(userId, teamLimitScope(offer.id), offer.productId),
      update: { inc: { count: qty } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lte', path: 'count', value: offer.perUserLimit - qty }] }],
    },
    { kind: 'limit', productId: offer.productId, limit: offer.perUserLimit },
  );
  if (!team) {
    const endsAt = toBizIso(teamEndsAt(now, offer.windowHours, Date.parse(offer.endsAt), waveCutoffAt(deps.settings, priced.waveDate)));
    const started: Team = {
      teamId,
      offerId: offer.id,
      productId: offer.productId,
      communityId,
      waveDate: priced.waveDate,
      size: offer.teamSize,
      status: 'OPEN',
      paid: 0,
      members: [],
      startedBy: userId,
      createdAt: toBizIso(now),
      endsAt,
    };
    add(
      { type: 'put', item: { ...teamKeys.team(teamId), ...openTeamIndex(started.communityId, endsAt, teamId), ...dueTeamIndex(endsAt, teamId), ...started }, when: [{ op: 'notExists' }] },
      { kind: 'team', failure: () => new AppError('INVALID_STATE', 'the team could not be started; try again', {}) },
    );
  } else {
    add(
      { type: 'check', key: teamKeys.team(teamId), when: [{ op: 'eq', path: 'status', value: 'OPEN' }, { op: 'lt', path: 'paid', value: team.size }] },
      { kind: 'team', failure: (current?: Item) => (current?.status === 'COMPLETE' || Number(current?.paid ?? 0) >= team.size ? full(teamId) : closed(teamId)) },
    );
  }
  add(
    { type: 'put', item: { ...teamKeys.member(teamId, userId), teamId, userId, orderId }, when: [{ op: 'notExists' }] },
    { kind: 'team', failure: () => new AppError('INVALID_STATE', 'you are in this team already', { teamId, reason: 'ALREADY_MEMBER' }) },
  );
  return { ops, guards, ref: { offerId: offer.id, teamId } };
}
