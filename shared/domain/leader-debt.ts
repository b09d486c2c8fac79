/**
 * A leader's balance after a settlement statement (DESIGN.md §7, issue 12): the available
 * balance is never negative. A statement's total (negative when refunds after settlement claw
 * back more than the period earned) moves into available, less the debt carried so far; what
 * available cannot cover becomes the debt, and a credit repays the debt before anything becomes
 * available. A negative available balance left by older data becomes debt here as well.
 */
export interface HeldBalance {
  availableFen: number;
  debtFen: number;
}

export function afterStatement(held: HeldBalance, totalFen: number): HeldBalance {
  for (const [what, n] of [['availableFen', held.availableFen], ['debtFen', held.debtFen], ['totalFen', totalFen]] as const) {
    if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer of fen`);
  }
  const net = held.availableFen + totalFen - held.debtFen;
  return net >= 0 ? { availableFen: net, debtFen: 0 } : { availableFen: 0, debtFen: -net };
}
