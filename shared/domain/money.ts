/**
 * Money helpers. Every amount is an integer number of fen (1 yuan = 100 fen); rates are
 * integer basis points (1% = 100 bp) or whole percents, and every product of an amount and a
 * rate is computed with BigInt so no fen is lost to floating point.
 */

/**
 * Returns `n` when it is a safe non-negative integer number of fen; throws otherwise.
 * A bad amount inside the domain is a programming or data error, so it is a RangeError
 * (reported to callers as INTERNAL), not a validation error.
 */
export function assertFen(n: number, what = 'amount'): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer of fen, got ${String(n)}`);
  }
  return n;
}

/** Integer division of non-negative BigInts, rounded half up. */
function divHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** Converts a BigInt result back to a number, refusing anything beyond the safe range. */
function toFen(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} overflows a safe integer`);
  return Number(value);
}

/**
 * Splits `totalFen` over `weights` in proportion (largest remainder method): each share is
 * the floor of its exact quota, and the fen left over go one each to the largest remainders,
 * ties to the lower index. The shares always sum to `totalFen`; a zero weight gets nothing;
 * when `totalFen <= Σweights` no share exceeds its weight. Deterministic.
 */
export function allocateFen(totalFen: number, weights: number[]): number[] {
  assertFen(totalFen, 'totalFen');
  if (weights.length === 0) throw new RangeError('allocateFen needs at least one weight');
  weights.forEach((w, i) => assertFen(w, `weights[${i}]`));
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (totalFen === 0) return weights.map(() => 0);
  if (sum === 0n) throw new RangeError('allocateFen cannot split a positive total over zero weights');

  const total = BigInt(totalFen);
  const floors = weights.map((w) => (total * BigInt(w)) / sum);
  const remainders = weights.map((w) => (total * BigInt(w)) % sum);
  let left = total - floors.reduce((a, f) => a + f, 0n);
  const order = weights
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = remainders[a]!;
      const rb = remainders[b]!;
      return ra === rb ? a - b : rb > ra ? 1 : -1;
    });
  for (const i of order) {
    if (left === 0n) break;
    floors[i] = floors[i]! + 1n;
    left -= 1n;
  }
  return floors.map((f) => Number(f));
}

/** `percent`% of an amount (whole percent, e.g. 10 = 10%), rounded half up to the fen. */
export function percentOfFen(amountFen: number, percent: number): number {
  assertFen(amountFen, 'amountFen');
  assertFen(percent, 'percent');
  return toFen(divHalfUp(BigInt(amountFen) * BigInt(percent), 100n), 'percentOfFen');
}

/** The largest whole fen that is at most `percent`% of an amount (for caps: "at most 50%"). */
export function percentOfFenDown(amountFen: number, percent: number): number {
  assertFen(amountFen, 'amountFen');
  assertFen(percent, 'percent');
  return toFen((BigInt(amountFen) * BigInt(percent)) / 100n, 'percentOfFenDown');
}

/**
 * An amount times a rate in basis points (1000 bp = 10%), rounded half up to the fen, e.g. a
 * leader's commission on a line. Exact for any safe amount.
 */
export function rateOfFen(amountFen: number, rateBasisPoints: number): number {
  assertFen(amountFen, 'amountFen');
  assertFen(rateBasisPoints, 'rateBasisPoints');
  return toFen(divHalfUp(BigInt(amountFen) * BigInt(rateBasisPoints), 10_000n), 'rateOfFen');
}

/**
 * Converts a fraction such as 0.125 to basis points (1250), removing the binary floating
 * point noise of the fraction (0.07 × 10000 = 700.0000000000001 → 700).
 */
export function basisPoints(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0) {
    throw new RangeError(`rate must be a finite non-negative fraction, got ${String(rate)}`);
  }
  return assertFen(Math.round(rate * 10_000), 'basisPoints');
}

/** Formats fen for people: 1234567 → '¥12,345.67', -150 → '-¥1.50'. */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${String(fen)}`);
  const abs = Math.abs(fen);
  const yuan = ((abs - (abs % 100)) / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${fen < 0 ? '-' : ''}¥${yuan}.${cents}`;
}
