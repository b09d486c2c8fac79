/**
 * Team buys (拼团, DESIGN.md §12): pure rules. A team of N members completes in the transaction
 * that adds its N-th paid member; the paid count is a conditional counter (never above N).
 */

export interface TeamOfferTerms {
  teamSize: number;
  teamPriceFen: number;
  windowHours: number;
  perUserLimit: number;
  stock: number;
  /** ISO 8601 with offset. */
  startsAt: string;
  endsAt: string;
}

export type TeamStatus = 'OPEN' | 'COMPLETE' | 'DISSOLVED';

/** The issues of an offer's terms beyond its schema (path, message), empty when it is sound. */
export function teamOfferIssues(o: TeamOfferTerms, regularPriceFen: number | undefined): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (Date.parse(o.endsAt) <= Date.parse(o.startsAt)) issues.push({ path: 'endsAt', message: 'must be after startsAt' });
  if (regularPriceFen !== undefined && o.teamPriceFen >= regularPriceFen) issues.push({ path: 'teamPriceFen', message: 'must be below the regular price' });
  return issues;
}

/** Whether the offer takes new teams and joins at `now` (epoch ms). */
export const offerActive = (o: Pick<TeamOfferTerms, 'startsAt' | 'endsAt'>, now: number): boolean => Date.parse(o.startsAt) <= now && now < Date.parse(o.endsAt);

/**
 * When a team started at `now` ends: its window, but never after the offer ends nor after its
 * wave's cutoff (the cutoff dissolves what is still open in the wave it closes).
 */
export const teamEndsAt = (now: number, windowHours: number, offerEndsAt: number, waveCutoffAt: number): number =>
  Math.min(now + windowHours * 3600_000, offerEndsAt, waveCutoffAt);

/**
 * What a paid member does to a team that has `paid` paid members of `size`: joins it and waits,
 * completes it (the N-th), or is refused because the team is no longer open.
 */
export function paidMemberOutcome(team: { status: TeamStatus; paid: number; size: number; endsAt: string }, now: number): 'WAIT' | 'COMPLETE' | 'FULL' | 'FAILED' {
  if (team.status === 'COMPLETE' || (team.status === 'OPEN' && team.paid >= team.size)) return 'FULL';
  if (team.status === 'DISSOLVED' || now >= Date.parse(team.endsAt)) return 'FAILED';
  return team.paid + 1 === team.size ? 'COMPLETE' : 'WAIT';
}
