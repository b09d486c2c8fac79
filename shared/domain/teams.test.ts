import { describe, expect, it } from 'vitest';
import { paidMemberOutcome, teamEndsAt, teamOfferIssues, offerActive } from './teams.ts';

const at = (iso: string) => Date.parse(iso);

describe('team buys: pure rules', () => {
  it('the N-th paid member completes the team, earlier ones wait, later ones are refused', () => {
    const team = { status: 'OPEN' as const, size: 3, endsAt: '2027-10-01T12:00:00+08:00' };
    const now = at('2027-10-01T10:00:00+08:00');
    expect(paidMemberOutcome({ ...team, paid: 0 }, now)).toBe('WAIT');
    expect(paidMemberOutcome({ ...team, paid: 1 }, now)).toBe('WAIT');
    expect(paidMemberOutcome({ ...team, paid: 2 }, now)).toBe('COMPLETE');
    expect(paidMemberOutcome({ ...team, paid: 3 }, now)).toBe('FULL');
    expect(paidMemberOutcome({ ...team, paid: 3, status: 'COMPLETE' }, now)).toBe('FULL');
    expect(paidMemberOutcome({ ...team, paid: 1, status: 'DISSOLVED' }, now)).toBe('FAILED');
    expect(paidMemberOutcome({ ...team, paid: 1 }, at('2027-10-01T12:00:00+08:00'))).toBe('FAILED');
  });

  it('a team ends at its window, the offer end or the wave cutoff, whichever comes first', () => {
    const now = at('2027-10-01T10:00:00+08:00');
    expect(teamEndsAt(now, 2, at('2027-10-05T00:00:00+08:00'), at('2027-10-01T22:00:00+08:00'))).toBe(at('2027-10-01T12:00:00+08:00'));
    expect(teamEndsAt(now, 24, at('2027-10-05T00:00:00+08:00'), at('2027-10-01T22:00:00+08:00'))).toBe(at('2027-10-01T22:00:00+08:00'));
    expect(teamEndsAt(now, 24, at('2027-10-01T11:00:00+08:00'), at('2027-10-01T22:00:00+08:00'))).toBe(at('2027-10-01T11:00:00+08:00'));
  });

  it('offer terms: window order and a team price below the regular price', () => {
    const terms = { teamSize: 2, teamPriceFen: 900, windowHours: 2, perUserLimit: 1, stock: 10, startsAt: '2027-10-01T00:00:00+08:00', endsAt: '2027-10-02T00:00:00+08:00' };
    expect(teamOfferIssues(terms, 1000)).toEqual([]);
    expect(teamOfferIssues({ ...terms, endsAt: terms.startsAt }, 1000).map((i) => i.path)).toEqual(['endsAt']);
    expect(teamOfferIssues(terms, 900).map((i) => i.path)).toEqual(['teamPriceFen']);
    expect(offerActive(terms, at('2027-10-01T00:00:00+08:00'))).toBe(true);
    expect(offerActive(terms, at('2027-10-02T00:00:00+08:00'))).toBe(false);
  });
});
