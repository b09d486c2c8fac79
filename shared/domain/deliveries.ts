/**
 * Arrival days (次日达 / 隔日达, DESIGN.md §14): a product arrives 1 or 2 days after its wave's
 * cutoff; an order mixing both is split into deliveries by arrival date, each with its own
 * arrival and pickup deadline. Pure.
 */
import { addDays, atBizTime, toBizIso } from './time.ts';

export type ArrivalDays = 1 | 2;

export interface Delivery {
  arrivalDate: string;
  productIds: string[];
  /** When the goods are expected (the setting `arrivalTime` on the arrival date). */
  arrivalAt: string;
  /** Set when the delivery arrived (verify.arrival for its date). */
  pickupDeadline?: string;
  arrivedAt?: string;
  status: 'PENDING' | 'ARRIVED';
}

export const arrivalDateOf = (waveDate: string, days: ArrivalDays | undefined): string => addDays(waveDate, days ?? 1);

/**
 * The deliveries of an order's lines, earliest first; undefined when every line arrives the
 * day after the wave (次日达: the order itself is then the one delivery, as before). An order of
 * 隔日达 lines only has one delivery, two days after the wave.
 */
export function planDeliveries(waveDate: string, lines: readonly { productId: string; arrivalDays?: ArrivalDays }[], arrivalTime: string): Delivery[] | undefined {
  const byDate = new Map<string, string[]>();
  for (const l of lines) {
    const date = arrivalDateOf(waveDate, l.arrivalDays);
    const ids = byDate.get(date) ?? [];
    if (!ids.includes(l.productId)) ids.push(l.productId);
    byDate.set(date, ids);
  }
  if (byDate.size < 2 && !byDate.has(addDays(waveDate, 2))) return undefined;
  return [...byDate]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([arrivalDate, productIds]) => ({ arrivalDate, productIds, arrivalAt: toBizIso(atBizTime(arrivalDate, arrivalTime)), status: 'PENDING' as const }));
}

/** An order none of whose lines arrives with the wave's first arrival (the day after the cutoff): only 隔日达 lines. */
export const arrivesLaterOnly = (o: { waveDate: string; deliveries?: readonly Pick<Delivery, 'arrivalDate'>[] }): boolean =>
  !!o.deliveries?.length && o.deliveries.every((d) => d.arrivalDate !== addDays(o.waveDate, 1));

/** A pick list for one arrival date: the products and label lines arriving then (`arrivalDays` absent = 1), labels left empty dropped. */
export function pickListForArrival<L extends { products: { arrivalDays?: number }[]; labels: { lines: { arrivalDays?: number }[] }[] }>(list: L, waveDate: string, arrivalDate: string): L {
  const keep = (x: { arrivalDays?: number }) => addDays(waveDate, x.arrivalDays ?? 1) === arrivalDate;
  return {
    ...list,
    products: list.products.filter(keep),
    labels: list.labels.map((l) => ({ ...l, lines: l.lines.filter(keep) })).filter((l) => l.lines.length > 0),
  };
}
