import { lineCommissionFen } from './commission.ts';
import { allocateFen } from './money.ts';

/**
 * What a partial refund is worth (pure). A line's paidFen is split over its units by largest
 * remainder (`allocateFen`), and units are refunded in order, never twice; so the refunds of a
 * line add up to at most its paidFen, and to exactly its paidFen once every unit is back.
 * The commission clawed back and the points taken back telescope the same way: refunding a
 * line in any number of steps takes back exactly what its pickup earned.
 */
export interface ShareLine {
  productId: string;
  qty: number;
  paidFen: number;
  commissionRate: number;
}

export interface RefundShareLine {
  productId: string;
  qty: number;
  amountFen: number;
  /** The commission on these units (positive; the ledger entry is its negative). */
  commissionFen: number;
}

export interface RefundShare {
  amountFen: number;
  commissionFen: number;
  lines: RefundShareLine[];
  /** Units refunded per product once this refund is done. */
  refundedQty: Record<string, number>;
}

/** The paid fen of the first `units` units of a line. */
export function paidOfUnits(line: ShareLine, units: number): number {
  if (units <= 0) return 0;
  if (units >= line.qty) return line.paidFen;
  return allocateFen(line.paidFen, Array.from({ length: line.qty }, () => 1))
    .slice(0, units)
    .reduce((a, x) => a + x, 0);
}

/**
 * The refund of `ask` (units per product) given the units already refunded. An order may hold a
 * product on several lines (flash-sale and regular price): its units are taken line by line.
 * Throws RangeError when a product is not in the order or more units are asked than remain
 * (callers validate first).
 */
export function refundShare(
  lines: readonly ShareLine[],
  refundedQty: Readonly<Record<string, number>>,
  ask: readonly { productId: string; qty: number }[],
): RefundShare {
  const after: Record<string, number> = { ...refundedQty };
  const out: RefundShareLine[] = [];
  for (const { productId, qty } of ask) {
    if (!Number.isSafeInteger(qty) || qty < 1) throw new RangeError(`qty of ${productId} must be a positive integer`);
    const own = lines.filter((l) => l.productId === productId);
    const total = own.reduce((a, l) => a + l.qty, 0);
    const done = after[productId] ?? 0;
    if (own.length === 0 || done + qty > total) throw new RangeError(`cannot refund ${qty} of ${productId}: ${total - done} left`);
    let amountFen = 0;
    let commissionFen = 0;
    let start = 0;
    for (const line of own) {
      const before = Math.min(Math.max(done - start, 0), line.qty);
      const upTo = Math.min(Math.max(done + qty - start, 0), line.qty);
      if (upTo > before) {
        const paidBefore = paidOfUnits(line, before);
        const paidAfter = paidOfUnits(line, upTo);
        amountFen += paidAfter - paidBefore;
        commissionFen += lineCommissionFen(paidAfter, line.commissionRate) - lineCommissionFen(paidBefore, line.commissionRate);
      }
      start += line.qty;
    }
    after[productId] = done + qty;
    out.push({ productId, qty, amountFen, commissionFen });
  }
  return {
    amountFen: out.reduce((a, l) => a + l.amountFen, 0),
    commissionFen: out.reduce((a, l) => a + l.commissionFen, 0),
    lines: out,
    refundedQty: after,
  };
}

/** Points earned for a paid amount: `perYuan` points per whole yuan (setting pointsPerYuanEarned), floored. */
export function pointsForFen(paidFen: number, perYuan: number): number {
  return Math.floor((paidFen * perYuan) / 100);
}

/**
 * Points to take back when the refunded total of an order goes from `beforeFen` to `afterFen`:
 * the earned points in proportion, floored cumulatively, so a full refund in any steps takes
 * back exactly `earned` and never more.
 */
export function pointsToTakeBack(earned: number, paidFen: number, beforeFen: number, afterFen: number): number {
  if (earned <= 0 || paidFen <= 0) return 0;
  const share = (fen: number) => Math.floor((earned * Math.min(fen, paidFen)) / paidFen);
  return share(afterFen) - share(beforeFen);
}

export interface RemainingLine {
  qty: number;
  paidFen: number;
  /** The commission on what remains: the line's commission less that of its refunded units (telescoping with `refundShare`). */
  commissionFen: number;
}

/**
 * What remains of each line once `refundedQty` units per product were refunded (units taken
 * line by line in order, as `refundShare` takes them): the units and paid fen left, and the
 * commission they carry. A pickup accrues exactly this, so the later refunds of `refundShare`
 * take back exactly what it accrued.
 */
export function remainingLines(lines: readonly ShareLine[], refundedQty: Readonly<Record<string, number>>): RemainingLine[] {
  const seen: Record<string, number> = {};
  return lines.map((line) => {
    const start = seen[line.productId] ?? 0;
    seen[line.productId] = start + line.qty;
    const gone = Math.min(Math.max((refundedQty[line.productId] ?? 0) - start, 0), line.qty);
    const paidGone = paidOfUnits(line, gone);
    return {
      qty: line.qty - gone,
      paidFen: line.paidFen - paidGone,
      commissionFen: lineCommissionFen(line.paidFen, line.commissionRate) - lineCommissionFen(paidGone, line.commissionRate),
    };
  });
}
