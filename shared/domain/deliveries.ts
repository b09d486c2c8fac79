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
 * same day (the order itself is then the one delivery, as before).
 */
export function planDeliveries(waveDate: string, lines: readonly { productId: string; arrivalDays?: ArrivalDays }[], arrivalTime: string): Delivery[] | undefined {
  const byDate = new Map<string, string[]>();
  for (const l of lines) {
    const date = arrivalDateOf(waveDate, l.arrivalDays);
    const ids = byDate.get(date) ?? [];
    if (!ids.includes(l.productId)) ids.push(l.productId);
    byDate.set(date, ids);
  }
  if (byDate.size < 2) return undefined;
  return [...byDate]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([arrivalDate, productIds]) => ({ arrivalDate, productIds, arrivalAt: toBizIso(atBizTime(arrivalDate, arrivalTime)), status: 'PENDING' as const }));
}
