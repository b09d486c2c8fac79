/**
 * Supply rules (DESIGN.md §14, API.md "Supply and integrations"), pure: the loss buffer on a
 * purchase quantity, the split of a product's quantity over its suppliers by capacity, and what
 * a receiving shortfall leaves unfilled for customers.
 */

/** A product's supplier in order of preference (primary first), with its capacity per wave (absent: unlimited). */
export interface SupplierSlot {
  supplierId: string;
  capacity?: number;
}

/** Units added to a purchase for loss (损耗兜底): `pct` percent of `ordered`, rounded up to whole units. */
export function bufferQty(ordered: number, pct: number): number {
  if (!Number.isSafeInteger(ordered) || ordered < 0) throw new RangeError('ordered must be a non-negative integer');
  if (!(pct >= 0) || pct > 100) throw new RangeError('pct must be between 0 and 100');
  if (pct === 0 || ordered === 0) return 0;
  // Integer arithmetic on hundredths of a percent, so 10% of 20 is exactly 2.
  const basis = Math.round(pct * 100);
  return Math.ceil((ordered * basis) / 10_000);
}

/**
 * Splits `qty` over suppliers in order: each takes up to its capacity (primary first, backups
 * next); what no supplier can take is the shortfall. Suppliers with nothing to take are left out.
 */
export function splitBySupplier(qty: number, slots: readonly SupplierSlot[]): { bySupplier: { supplierId: string; qty: number }[]; shortfallQty: number } {
  let left = qty;
  const bySupplier: { supplierId: string; qty: number }[] = [];
  const seen = new Set<string>();
  for (const s of slots) {
    if (left <= 0) break;
    if (seen.has(s.supplierId)) continue;
    seen.add(s.supplierId);
    const take = s.capacity === undefined ? left : Math.max(0, Math.min(left, Math.floor(s.capacity)));
    if (take <= 0) continue;
    bySupplier.push({ supplierId: s.supplierId, qty: take });
    left -= take;
  }
  return { bySupplier, shortfallQty: left };
}

/** One product's purchase quantities (API.md purchase list). */
export interface ProductSupply {
  orderedQty: number;
  bufferQty: number;
  /** ordered + buffer. */
  buyQty: number;
  bySupplier: { supplierId: string; qty: number }[];
  /** Units of `buyQty` no supplier has capacity for. */
  shortfallQty: number;
}

export function productSupply(orderedQty: number, lossBufferPct: number, slots: readonly SupplierSlot[]): ProductSupply {
  const buffer = bufferQty(orderedQty, lossBufferPct);
  const buyQty = orderedQty + buffer;
  return { orderedQty, bufferQty: buffer, buyQty, ...splitBySupplier(buyQty, slots) };
}

/**
 * Units customers go without after receiving: what was ordered less what is (or is still
 * expected to be) accepted from every purchase order of the product, at least 0. The loss
 * buffer absorbs a shortfall first because it is part of what was bought.
 */
export function customersShortQty(orderedQty: number, expectedAcceptedQty: readonly number[]): number {
  const expected = expectedAcceptedQty.reduce((a, q) => a + Math.max(0, q), 0);
  return Math.max(0, orderedQty - expected);
}

/** Defect rate: rejected ÷ received, 0 when nothing was received, 4 decimals. */
export function defectRate(receivedQty: number, rejectedQty: number): number {
  if (receivedQty <= 0) return 0;
  return Math.round((rejectedQty / receivedQty) * 10_000) / 10_000;
}
