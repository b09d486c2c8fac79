import type { Key } from '#ports/item-store';

/**
 * The orders area's own items. A rating is one item per order (created once, conditionally);
 * GSI1 lists a community's ratings by time, for the monthly leader review.
 */
export const orderKeys = {
  rating: (orderId: string): Key => ({ pk: `RATING#${orderId}`, sk: 'RATING' }),
};
export const ratingIndex = (communityId: string, ratedAt: string, orderId: string) => ({ gsi1pk: `RATINGS#${communityId}`, gsi1sk: `${ratedAt}#${orderId}` });
export const ratingsOfCommunity = (communityId: string) => ({ index: 'gsi1' as const, pk: `RATINGS#${communityId}` });
