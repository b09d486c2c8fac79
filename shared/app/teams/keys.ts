import type { Key } from '#ports/item-store';

/**
 * The team-buy area's own items (DESIGN.md §12):
 * - offer `TOFFER#<id>` / `META` (GSI1 `T#teamOffer`), its stock counter `TOFFER#<id>` / `STOCK`;
 * - team `TEAM#<teamId>` / `META`: status, paid count, paid members; while OPEN in GSI1
 *   `TEAMS#<communityId>` (open teams of a pickup point), and in the sparse GSI2 partition
 *   `TEAMDUE` by `endsAt` until it completed or every member of a dissolved team was refunded
 *   (the expire job's work list);
 * - membership `TEAM#<teamId>` / `M#<userId>`: one per customer and team (the starter included).
 */
export const teamKeys = {
  offer: (offerId: string): Key => ({ pk: `TOFFER#${offerId}`, sk: 'META' }),
  offerStock: (offerId: string): Key => ({ pk: `TOFFER#${offerId}`, sk: 'STOCK' }),
  team: (teamId: string): Key => ({ pk: `TEAM#${teamId}`, sk: 'META' }),
  member: (teamId: string, userId: string): Key => ({ pk: `TEAM#${teamId}`, sk: `M#${userId}` }),
};

export const offerIndex = (offerId: string) => ({ gsi1pk: 'T#teamOffer', gsi1sk: offerId });
export const allOffers = () => ({ index: 'gsi1' as const, pk: 'T#teamOffer' });

export const openTeamIndex = (communityId: string, endsAt: string, teamId: string) => ({ gsi1pk: `TEAMS#${communityId}`, gsi1sk: `${endsAt}#${teamId}` });
export const openTeamsOf = (communityId: string) => ({ index: 'gsi1' as const, pk: `TEAMS#${communityId}` });

export const TEAM_DUE = 'TEAMDUE';
export const dueTeamIndex = (endsAt: string, teamId: string) => ({ gsi2pk: TEAM_DUE, gsi2sk: `${endsAt}#${teamId}` });

/** The per-customer limit's scope of an offer (keys.userLimit). */
export const teamLimitScope = (offerId: string) => `TEAM-${offerId}`;
