/**
 * The wave reports written at cutoff (DESIGN.md §6, API.md staff routes), as pure functions.
 *
 * The cutoff job reads one community at a time, so memory stays bounded by the largest
 * community: for each it builds a `CommunityTotals` (small, plain JSON: it is the per-community
 * checkpoint) and a `PickList` (written out at once). The wave-level reports — purchase list,
 * inventory warnings, statistics — are then merged from the saved totals alone, so a resumed
 * run gives the same reports as an uninterrupted one.
 *
 * Only locked orders (status CONFIRMED: paid and locked at cutoff) count; any other status in
 * the input is ignored. Ordering is by UTF-16 code units everywhere (see `compareIds`), so the
 * output does not depend on input order or on the runtime's locale data.
 */
import { toCsv } from './csv.ts';
import { compareIds, type LatLng } from './geo.ts';
import { allocateFen, assertFen } from './money.ts';
import { productSupply, type SupplierSlot } from './supply.ts';

export interface CutoffOrder {
  id: string;
  communityId: string;
  userId: string;
  status: 'CONFIRMED' | string;
  /** The short order number: what labels, pick lists and the leader identify an order by. */
  shortNo: string;
  /** Already masked (`maskName`). */
  contactName: string;
  phoneTail: string;
  lines: { productId: string; title: string; qty: number; unitPriceFen: number; paidFen: number; arrivalDays?: 2 }[];
  createdAt: string;
  /** The order that claimed the first-order discount: at most one per customer, ever. */
  newCustomer?: boolean;
  /** The leader of the share scene the order was placed through (the dashboard's `attributed`). */
  attributedLeaderId?: string;
}

export interface ReportProduct {
  id: string;
  title: string;
  supplierId: string;
  costFen?: number;
  stockPerWave?: number;
  supplierCapacity?: number;
  /** Supply (DESIGN.md §14): the suppliers in order, primary first (absent: `supplierId` alone), and the loss buffer percent. */
  suppliers?: SupplierSlot[];
  lossBufferPct?: number;
}

export interface ReportCommunity {
  id: string;
  name: string;
  region: string;
  routeId: string;
  leaderId?: string;
  location: LatLng;
}

/** One product within one community's locked orders. */
export interface ProductTotal {
  qty: number;
  /** What customers paid for these lines, after every discount. */
  salesFen: number;
  /** Orders with at least one line of the product. */
  orders: number;
  /** Distinct customers of the community who bought the product. */
  buyers: number;
}

/** One community's share of a wave: the cutoff checkpoint, plain JSON. */
export interface CommunityTotals {
  communityId: string;
  orders: number;
  units: number;
  gmvFen: number;
  /** Distinct user ids, sorted, so wave-level customer counts stay distinct. */
  customers: string[];
  newCustomers: number;
  /** Keyed by product id, in id order. */
  products: Record<string, ProductTotal>;
}

/**
 * One order's label: short number, masked name and phone tail. Never the pickup code (the
 * customer's proof of purchase stays with the customer; API.md "order").
 */
export interface PickLabel {
  shortNo: string;
  contactName: string;
  phoneTail: string;
  /** `arrivalDays: 2` on a 隔日达 line (shared/domain/deliveries.ts). */
  lines: { title: string; qty: number; arrivalDays?: 2 }[];
}

/** What the warehouse packs for one community, and one label per order. */
export interface PickList {
  communityId: string;
  name: string;
  /** Sorted by title, then product id. */
  products: { productId: string; title: string; qty: number; arrivalDays?: 2 }[];
  /** Sorted by short order number (then order id). */
  labels: PickLabel[];
}

export interface PurchaseLine {
  productId: string;
  title: string;
  qty: number;
  /** Unit cost, when the product has one. */
  costFen?: number;
  /** `costFen × qty`, when the cost is known. */
  costAmountFen?: number;
  salesFen: number;
  /** Units the supplier did not deliver (shortages recorded after the cutoff), and what is left to deliver: `qty − shortQty`. */
  shortQty?: number;
  deliverQty?: number;
}

export interface SupplierPurchase {
  supplierId: string;
  /** Sorted by title, then product id. */
  lines: PurchaseLine[];
  qty: number;
  shortQty?: number;
  deliverQty?: number;
  /** Sum of the known line costs (lines without a cost add nothing). */
  costAmountFen: number;
  salesFen: number;
}

/** One product's purchase (API.md "Supply and integrations"): ordered, loss buffer, to buy, its split over suppliers and the shortfall no supplier covers. */
export interface ProductPurchase {
  productId: string;
  title: string;
  orderedQty: number;
  bufferQty: number;
  buyQty: number;
  bySupplier: { supplierId: string; qty: number }[];
  shortfallQty: number;
  shortQty?: number;
  deliverQty?: number;
}

/** What to buy from each supplier, sorted by supplier id; the totals cover every supplier. */
export interface PurchaseList {
  suppliers: SupplierPurchase[];
  /** Per product, sorted by title then id (absent on lists written before supply). */
  products?: ProductPurchase[];
  qty: number;
  costAmountFen: number;
  salesFen: number;
  shortQty?: number;
  deliverQty?: number;
}

/**
 * The purchase list with its shortages (缺货): each line shows what was ordered (`qty`), what
 * the supplier is short (`shortQty`, at most `qty`) and what is left to deliver (`deliverQty`);
 * suppliers and the whole list carry the same sums.
 */
export function withShortages(list: PurchaseList, shortQty: Readonly<Record<string, number>>): PurchaseList {
  let listShort = 0;
  // A product bought from several suppliers: its short units are taken from its lines in turn.
  const left: Record<string, number> = Object.fromEntries(Object.entries(shortQty).map(([k, v]) => [k, Math.max(0, v)]));
  const suppliers = list.suppliers.map((s) => {
    let supplierShort = 0;
    const lines = s.lines.map((l) => {
      const short = Math.min(l.qty, own(left, l.productId) ?? 0);
      if (short > 0) left[l.productId] = left[l.productId]! - short;
      supplierShort += short;
      return { ...l, shortQty: short, deliverQty: l.qty - short };
    });
    listShort += supplierShort;
    return { ...s, lines, shortQty: supplierShort, deliverQty: s.qty - supplierShort };
  });
  const products = list.products?.map((p) => {
    const short = Math.min(p.orderedQty, Math.max(0, own(shortQty, p.productId) ?? 0));
    return { ...p, shortQty: short, deliverQty: p.orderedQty - short };
  });
  return { ...list, suppliers, ...(products ? { products } : {}), shortQty: listShort, deliverQty: list.qty - listShort };
}

export type InventoryWarningKind = 'SOLD_OUT' | 'LOW_STOCK' | 'OVER_SUPPLIER_CAPACITY';

export interface InventoryWarning {
  productId: string;
  kind: InventoryWarningKind;
  detail: {
    /** Units ordered in the wave. */
    orderedQty: number;
    remaining?: number;
    lowStockThreshold?: number;
    supplierCapacity?: number;
  };
}

export interface StatsBucket {
  orders: number;
  units: number;
  gmvFen: number;
  /** Distinct customers (for products: summed per community, see `waveStats`). */
  customers: number;
}

/** The dashboard aggregate of one wave (one business date). */
export interface WaveStats extends StatsBucket {
  date: string;
  newCustomers: number;
  byCommunity: Record<string, StatsBucket>;
  byRoute: Record<string, StatsBucket>;
  byRegion: Record<string, StatsBucket>;
  byProduct: Record<string, StatsBucket & { title: string }>;
  byLeader: Record<string, StatsBucket>;
}

/** Supplier id under which a product missing from the catalogue is listed. */
export const UNKNOWN_SUPPLIER = 'UNKNOWN';

const LOCKED_STATUS = 'CONFIRMED';

/** The community's locked orders, checked: a wrong community or a bad line is a data error. */
function lockedOrders(community: { id: string }, orders: readonly CutoffOrder[]): CutoffOrder[] {
  const locked = orders.filter((o) => o.status === LOCKED_STATUS);
  for (const o of locked) {
    if (o.communityId !== community.id) {
      throw new RangeError(`order ${o.id} belongs to community ${o.communityId}, not ${community.id}`);
    }
    if (o.lines.length === 0) throw new RangeError(`order ${o.id} has no lines`);
    for (const line of o.lines) {
      if (!Number.isSafeInteger(line.qty) || line.qty <= 0) {
        throw new RangeError(`order ${o.id}: qty of ${line.productId} must be a positive integer`);
      }
      assertFen(line.paidFen, `order ${o.id}: paidFen of ${line.productId}`);
    }
  }
  return locked;
}

/** A record with keys in id order; own properties even for odd keys such as `__proto__`. */
function sortedRecord<V>(entries: Iterable<[string, V]>): Record<string, V> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compareIds(a, b)));
}

/** Reads an own property only, so a key like `constructor` never reaches the prototype. */
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sums that must stay exact integers. */
function checkedSum(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} overflows a safe integer`);
  return n;
}

/** Totals of one community's locked orders: the per-community cutoff checkpoint. */
export function communityTotals(community: { id: string }, orders: readonly CutoffOrder[]): CommunityTotals {
  const products = new Map<string, { qty: number; salesFen: number; orders: number; buyers: Set<string> }>();
  const customers = new Set<string>();
  const newCustomers = new Set<string>();
  let count = 0;
  let units = 0;
  let gmvFen = 0;
  for (const o of lockedOrders(community, orders)) {
    count += 1;
    customers.add(o.userId);
    if (o.newCustomer === true) newCustomers.add(o.userId);
    const inOrder = new Set<string>();
    for (const line of o.lines) {
      units += line.qty;
      gmvFen += line.paidFen;
      let p = products.get(line.productId);
      if (!p) {
        p = { qty: 0, salesFen: 0, orders: 0, buyers: new Set() };
        products.set(line.productId, p);
      }
      p.qty += line.qty;
      p.salesFen += line.paidFen;
      if (!inOrder.has(line.productId)) p.orders += 1;
      inOrder.add(line.productId);
      p.buyers.add(o.userId);
    }
  }
  return {
    communityId: community.id,
    orders: count,
    units: checkedSum(units, 'units'),
    gmvFen: checkedSum(gmvFen, 'gmvFen'),
    customers: [...customers].sort(compareIds),
    newCustomers: newCustomers.size,
    products: sortedRecord(
      [...products].map(([id, p]): [string, ProductTotal] => [
        id,
        {
          qty: checkedSum(p.qty, 'qty'),
          salesFen: checkedSum(p.salesFen, 'salesFen'),
          orders: p.orders,
          buyers: p.buyers.size,
        },
      ]),
    ),
  };
}

/**
 * One community's pick list: product totals for sorting and one label per locked order. A
 * product's title is the one on the first label that has it (titles can change mid-wave).
 */
export function pickList(community: { id: string; name: string }, orders: readonly CutoffOrder[]): PickList {
  const sorted = lockedOrders(community, orders).sort(
    (a, b) => compareIds(a.shortNo, b.shortNo) || compareIds(a.id, b.id),
  );
  const products = new Map<string, { productId: string; title: string; qty: number; arrivalDays?: 2 }>();
  const later = (l: { arrivalDays?: 2 }) => (l.arrivalDays === 2 ? { arrivalDays: 2 as const } : {});
  const labels = sorted.map((o): PickLabel => {
    for (const line of o.lines) {
      const p = products.get(line.productId);
      if (p) p.qty += line.qty;
      else products.set(line.productId, { productId: line.productId, title: line.title, qty: line.qty, ...later(line) });
    }
    return {
      shortNo: o.shortNo,
      contactName: o.contactName,
      phoneTail: o.phoneTail,
      lines: o.lines.map((l) => ({ title: l.title, qty: l.qty, ...later(l) })),
    };
  });
  return {
    communityId: community.id,
    name: community.name,
    products: [...products.values()].sort(byTitleThenId),
    labels,
  };
}

type Titled = { title: string; productId: string };

function byTitleThenId(a: Titled, b: Titled): number {
  return compareIds(a.title, b.title) || compareIds(a.productId, b.productId);
}

/** Product totals summed over communities; a community counted twice is refused (double purchase). */
function sumProducts(totals: readonly CommunityTotals[]): Map<string, ProductTotal> {
  const seen = new Set<string>();
  const sum = new Map<string, ProductTotal>();
  for (const t of totals) {
    if (seen.has(t.communityId)) throw new RangeError(`community ${t.communityId} is counted twice`);
    seen.add(t.communityId);
    for (const [id, p] of Object.entries(t.products)) {
      const s = sum.get(id) ?? { qty: 0, salesFen: 0, orders: 0, buyers: 0 };
      sum.set(id, {
        qty: checkedSum(s.qty + p.qty, 'qty'),
        salesFen: checkedSum(s.salesFen + p.salesFen, 'salesFen'),
        orders: s.orders + p.orders,
        buyers: s.buyers + p.buyers,
      });
    }
  }
  return sum;
}

/** Catalogue by id; two entries with one id are a data error. */
function catalogue(products: readonly ReportProduct[]): Map<string, ReportProduct> {
  const byId = new Map<string, ReportProduct>();
  for (const p of products) {
    if (byId.has(p.id)) throw new RangeError(`product ${p.id} is listed twice`);
    byId.set(p.id, p);
  }
  return byId;
}

/**
 * The purchase list (采购汇总): every ordered product under its supplier, with the purchase
 * amount (`costFen × qty`, where a cost is known) beside the sales amount. A product missing
 * from the catalogue is listed under `UNKNOWN_SUPPLIER` rather than dropped.
 */
export function mergePurchaseList(
  products: readonly ReportProduct[],
  totals: readonly CommunityTotals[],
): PurchaseList {
  const byId = catalogue(products);
  const bySupplier = new Map<string, PurchaseLine[]>();
  const productLines: ProductPurchase[] = [];
  const add = (supplierId: string, line: PurchaseLine) => {
    const lines = bySupplier.get(supplierId);
    if (lines) lines.push(line);
    else bySupplier.set(supplierId, [line]);
  };
  for (const [productId, t] of sumProducts(totals)) {
    const product = byId.get(productId);
    const title = product?.title ?? productId;
    // Supply: the loss buffer, then the split over suppliers by capacity (primary first).
    const slots = product?.suppliers?.length ? product.suppliers : [{ supplierId: product?.supplierId ?? UNKNOWN_SUPPLIER }];
    const supply = productSupply(t.qty, product?.lossBufferPct ?? 0, slots);
    productLines.push({ productId, title, ...supply });
    const shares = supply.bySupplier.length ? supply.bySupplier : [{ supplierId: slots[0]!.supplierId, qty: 0 }];
    const sales = allocateFen(t.salesFen, shares.map((s) => Math.max(1, s.qty)));
    shares.forEach((share, i) => {
      const line: PurchaseLine = { productId, title, qty: share.qty, salesFen: sales[i]! };
      if (product?.costFen !== undefined) {
        line.costFen = assertFen(product.costFen, `costFen of ${productId}`);
        line.costAmountFen = checkedSum(product.costFen * share.qty, `cost amount of ${productId}`);
      }
      add(share.supplierId, line);
    });
  }
  const suppliers = [...bySupplier]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([supplierId, lines]): SupplierPurchase => {
      lines.sort(byTitleThenId);
      return { supplierId, lines, ...sumAmounts(lines) };
    });
  return { suppliers, products: productLines.sort(byTitleThenId), ...sumAmounts(suppliers) };
}

function sumAmounts(items: readonly { qty: number; costAmountFen?: number; salesFen: number }[]): {
  qty: number;
  costAmountFen: number;
  salesFen: number;
} {
  let qty = 0;
  let costAmountFen = 0;
  let salesFen = 0;
  for (const i of items) {
    qty += i.qty;
    costAmountFen += i.costAmountFen ?? 0;
    salesFen += i.salesFen;
  }
  return {
    qty: checkedSum(qty, 'qty'),
    costAmountFen: checkedSum(costAmountFen, 'costAmountFen'),
    salesFen: checkedSum(salesFen, 'salesFen'),
  };
}

/**
 * Stock and supply warnings after cutoff, in product id order: SOLD_OUT when a tracked wave
 * stock is down to 0, LOW_STOCK when it is at most `lowStockThreshold`, OVER_SUPPLIER_CAPACITY
 * when the wave ordered more than the supplier can deliver. An undefined remaining stock is an
 * unlimited presale product and never warns about stock.
 */
export function inventoryWarnings(
  products: readonly ReportProduct[],
  totals: readonly CommunityTotals[],
  remainingStock: Record<string, number | undefined>,
  options: { lowStockThreshold: number },
): InventoryWarning[] {
  const { lowStockThreshold } = options;
  if (!Number.isSafeInteger(lowStockThreshold) || lowStockThreshold < 0) {
    throw new RangeError('lowStockThreshold must be a non-negative integer');
  }
  const ordered = sumProducts(totals);
  const warnings: InventoryWarning[] = [];
  for (const product of [...catalogue(products).values()].sort((a, b) => compareIds(a.id, b.id))) {
    const orderedQty = ordered.get(product.id)?.qty ?? 0;
    const remaining = own(remainingStock, product.id);
    if (remaining !== undefined && remaining <= 0) {
      warnings.push({ productId: product.id, kind: 'SOLD_OUT', detail: { orderedQty, remaining } });
    } else if (remaining !== undefined && remaining <= lowStockThreshold) {
      const detail = { orderedQty, remaining, lowStockThreshold };
      warnings.push({ productId: product.id, kind: 'LOW_STOCK', detail });
    }
    const capacity = product.supplierCapacity;
    if (capacity !== undefined && orderedQty > capacity) {
      warnings.push({
        productId: product.id,
        kind: 'OVER_SUPPLIER_CAPACITY',
        detail: { orderedQty, supplierCapacity: capacity },
      });
    }
  }
  return warnings;
}

/** A bucket being summed: customers kept as a set until the end so they count once. */
interface OpenBucket {
  orders: number;
  units: number;
  gmvFen: number;
  customers: Set<string>;
}

function newBucket(): OpenBucket {
  return { orders: 0, units: 0, gmvFen: 0, customers: new Set() };
}

function addTotals(bucket: OpenBucket, t: CommunityTotals): void {
  bucket.orders += t.orders;
  bucket.units += t.units;
  bucket.gmvFen = checkedSum(bucket.gmvFen + t.gmvFen, 'gmvFen');
  for (const c of t.customers) bucket.customers.add(c);
}

/** Adds to the bucket of `key`, opening it on first use. */
function addTotalsTo(buckets: Map<string, OpenBucket>, key: string, t: CommunityTotals): void {
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = newBucket();
    buckets.set(key, bucket);
  }
  addTotals(bucket, t);
}

function closeBucket(b: OpenBucket): StatsBucket {
  return { orders: b.orders, units: b.units, gmvFen: b.gmvFen, customers: b.customers.size };
}

function closeBuckets(buckets: Map<string, OpenBucket>): Record<string, StatsBucket> {
  return sortedRecord([...buckets].map(([k, b]): [string, StatsBucket] => [k, closeBucket(b)]));
}

/**
 * The wave's dashboard aggregate, by community, route, region, product and leader (a
 * community without a leader appears under no leader). Customers are distinct everywhere
 * except per product, where the per-community buyer counts are summed: exact while each
 * customer orders at one pickup point per wave, which is the norm, and it keeps checkpoints
 * small. New customers are summed too, which is exact: each customer's first-order claim is
 * one order, in one community.
 */
export function waveStats(
  date: string,
  communities: readonly ReportCommunity[],
  totals: readonly CommunityTotals[],
  products: readonly ReportProduct[],
): WaveStats {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError('date must be YYYY-MM-DD');
  const communityById = new Map(communities.map((c) => [c.id, c]));
  const wave = newBucket();
  const byCommunity = new Map<string, OpenBucket>();
  const byRoute = new Map<string, OpenBucket>();
  const byRegion = new Map<string, OpenBucket>();
  const byLeader = new Map<string, OpenBucket>();
  let newCustomers = 0;
  for (const t of totals) {
    const community = communityById.get(t.communityId);
    if (!community) throw new RangeError(`community ${t.communityId} is not in the community list`);
    addTotals(wave, t);
    addTotalsTo(byCommunity, t.communityId, t);
    addTotalsTo(byRoute, community.routeId, t);
    addTotalsTo(byRegion, community.region, t);
    if (community.leaderId !== undefined) addTotalsTo(byLeader, community.leaderId, t);
    newCustomers += t.newCustomers;
  }
  const titles = catalogue(products);
  const byProduct = sortedRecord(
    [...sumProducts(totals)].map(([id, p]): [string, StatsBucket & { title: string }] => [
      id,
      {
        orders: p.orders,
        units: p.qty,
        gmvFen: p.salesFen,
        customers: p.buyers,
        title: titles.get(id)?.title ?? id,
      },
    ]),
  );
  return {
    date,
    ...closeBucket(wave),
    newCustomers,
    byCommunity: closeBuckets(byCommunity),
    byRoute: closeBuckets(byRoute),
    byRegion: closeBuckets(byRegion),
    byProduct,
    byLeader: closeBuckets(byLeader),
  };
}

/** Fen as yuan text with two decimals, by integer arithmetic: 123456 → '1234.56'. */
export function fenToYuanText(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError('fen must be a safe integer');
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${fen < 0 ? '-' : ''}${(abs - cents) / 100}.${String(cents).padStart(2, '0')}`;
}

const yuanOrBlank = (fen: number | undefined): string => (fen === undefined ? '' : fenToYuanText(fen));
const yuan = (...fen: number[]): string[] => fen.map(fenToYuanText);

/**
 * The purchase list for Excel: one row per product, a subtotal per supplier, a grand total; a
 * list with its shortages (`withShortages`) also shows what is short and what is left to deliver.
 */
export function purchaseListCsv(list: PurchaseList): string {
  const short = list.shortQty !== undefined;
  const qtys = (x: { qty: number; shortQty?: number; deliverQty?: number }) => (short ? [x.qty, x.shortQty ?? 0, x.deliverQty ?? x.qty] : [x.qty]);
  const headers = ['供应商', '商品编号', '商品', '数量', ...(short ? ['缺货数量', '应送数量'] : []), '成本单价(元)', '成本金额(元)', '销售金额(元)'];
  const rows: (string | number)[][] = [];
  for (const s of list.suppliers) {
    for (const l of s.lines) {
      const cost = [yuanOrBlank(l.costFen), yuanOrBlank(l.costAmountFen)];
      rows.push([s.supplierId, l.productId, l.title, ...qtys(l), ...cost, fenToYuanText(l.salesFen)]);
    }
    rows.push([s.supplierId, '', '小计', ...qtys(s), '', ...yuan(s.costAmountFen, s.salesFen)]);
  }
  rows.push(['合计', '', '', ...qtys(list), '', ...yuan(list.costAmountFen, list.salesFen)]);
  return toCsv(headers, rows);
}

/**
 * Pick lists for Excel, communities in the given order (e.g. route order): for each, its
 * product totals (类型 汇总), then one row per line of each order label (类型 订单).
 */
export function pickListsCsv(lists: readonly PickList[]): string {
  const headers = ['小区编号', '小区', '类型', '订单号', '联系人', '手机尾号', '商品', '数量'];
  const rows: (string | number | undefined)[][] = [];
  for (const list of lists) {
    for (const p of list.products) {
      rows.push([list.communityId, list.name, '汇总', '', '', '', p.title, p.qty]);
    }
    for (const label of list.labels) {
      for (const line of label.lines) {
        const who = [label.shortNo, label.contactName, label.phoneTail];
        rows.push([list.communityId, list.name, '订单', ...who, line.title, line.qty]);
      }
    }
  }
  return toCsv(headers, rows);
}
