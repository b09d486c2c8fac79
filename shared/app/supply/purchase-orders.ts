import { webhookEvents } from '../webhooks/emit.ts';
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { userOf } from '#platform/dispatch';
import { CSV } from '#platform/http';
import { defineCommand } from '#app/command';
import { AppError, isAppError } from '#domain/errors';
import { toCsv } from '#domain/csv';
import { customersShortQty, type SupplierSlot } from '#domain/supply';
import { toBizIso } from '#domain/time';
import { fenToYuanText, UNKNOWN_SUPPLIER, type PurchaseList } from '#domain/wave-reports';
import { ConditionFailed, queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import type { Product } from '../catalog/products.ts';
import { cutoffKeys } from '../cutoff/keys.ts';
import { recordShortage, requestIdSchema } from '../cutoff/shortages.ts';
import type { MerchantSettings } from '../settings.ts';
import { supplyKeys } from './keys.ts';
import type { Supplier } from './suppliers.ts';

/**
 * Purchase orders (采购单, DESIGN.md §14): the cutoff writes one per supplier and wave from the
 * purchase list (`SENT`); staff confirm it (`CONFIRMED`) and record what arrived (`RECEIVED`):
 * received and rejected units by grade. A shortfall the loss buffer cannot absorb becomes a
 * shortage (cutoff/shortages.ts): the customers' units refunded exactly once.
 */
export type PurchaseOrderStatus = 'SENT' | 'CONFIRMED' | 'RECEIVED';

export interface PurchaseOrderLine {
  productId: string;
  title: string;
  /** Units to buy from this supplier (its share of ordered + buffer). */
  qty: number;
  /** Units customers ordered of the product in the wave (over every supplier). */
  productOrderedQty: number;
  costFen?: number;
  amountFen?: number;
}

export interface ReceivedLine {
  productId: string;
  receivedQty: number;
  rejectedQty: number;
  acceptedQty: number;
  grade?: string;
}

export interface PurchaseOrder {
  id: string;
  date: string;
  supplierId: string;
  supplierName?: string;
  status: PurchaseOrderStatus;
  lines: PurchaseOrderLine[];
  qty: number;
  amountFen: number;
  createdAt: string;
  history: { status: PurchaseOrderStatus; at: string; by: string }[];
  received?: ReceivedLine[];
  receiveRequestId?: string;
  receivedAt?: string;
  /** Shortages this receiving left for customers, each recorded under its own requestId. */
  shortages?: { productId: string; qty: number; requestId: string }[];
}

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'kind']);
const fromItem = (it: Item): PurchaseOrder => Object.fromEntries(Object.entries(it).filter(([k]) => !META.has(k))) as unknown as PurchaseOrder;

/** `po_<yyyymmdd>_<supplierId>`: names the wave and supplier, so one per supplier and wave. */
export const purchaseOrderId = (date: string, supplierId: string) => `po_${date.replaceAll('-', '')}_${supplierId}`;
export const purchaseOrderIdSchema = () => z.string().check(z.regex(/^po_\d{8}_[A-Za-z0-9_-]{1,64}$/, 'a purchase order id'));
function parsePurchaseOrderId(id: string): { date: string; supplierId: string } {
  const d = id.slice(3, 11);
  return { date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`, supplierId: id.slice(12) };
}

/**
 * A product's suppliers for the purchase list, primary first, each with its supplier record's
 * capacity for the product (absent: unlimited; an inactive supplier: 0). The product's own
 * `supplierCapacity` stays what it was, an OVER_SUPPLIER_CAPACITY warning only.
 */
export function supplySlots(p: Product, suppliers: ReadonlyMap<string, Supplier>, settings: MerchantSettings): { suppliers: SupplierSlot[]; lossBufferPct: number } {
  const ids = p.suppliers?.length ? p.suppliers : [p.supplierId];
  const slots = ids.map((supplierId): SupplierSlot => {
    const record = suppliers.get(supplierId);
    if (record?.status === 'inactive') return { supplierId, capacity: 0 };
    const capacity = record?.capacity && Object.hasOwn(record.capacity, p.id) ? record.capacity[p.id] : undefined;
    return capacity === undefined ? { supplierId } : { supplierId, capacity };
  });
  const byCategory = Object.hasOwn(settings.lossBufferPctByCategory, p.category) ? settings.lossBufferPctByCategory[p.category] : undefined;
  return { suppliers: slots, lossBufferPct: p.lossBufferPct ?? byCategory ?? 0 };
}

/**
 * Writes the wave's purchase orders from its purchase list, each with a not-exists condition:
 * exactly one per supplier and wave however often the cutoff's reports are rewritten (a resumed
 * or repeated run leaves an order, and what staff did with it, as it is).
 */
export async function writePurchaseOrders(deps: Deps, date: string, list: PurchaseList, suppliers: ReadonlyMap<string, Supplier>): Promise<number> {
  const ordered = new Map((list.products ?? []).map((p) => [p.productId, p.orderedQty]));
  let created = 0;
  const at = toBizIso(deps.clock.now());
  for (const s of list.suppliers) {
    if (s.supplierId === UNKNOWN_SUPPLIER) continue;
    const lines: PurchaseOrderLine[] = s.lines
      .filter((l) => l.qty > 0)
      .map((l) => ({
        productId: l.productId,
        title: l.title,
        qty: l.qty,
        productOrderedQty: ordered.get(l.productId) ?? l.qty,
        ...(l.costFen !== undefined ? { costFen: l.costFen, amountFen: l.costAmountFen ?? l.costFen * l.qty } : {}),
      }));
    if (!lines.length) continue;
    const name = suppliers.get(s.supplierId)?.name;
    const po: PurchaseOrder = {
      id: purchaseOrderId(date, s.supplierId),
      date,
      supplierId: s.supplierId,
      ...(name ? { supplierName: name } : {}),
      status: 'SENT',
      lines,
      qty: lines.reduce((a, l) => a + l.qty, 0),
      amountFen: lines.reduce((a, l) => a + (l.amountFen ?? 0), 0),
      createdAt: at,
      history: [{ status: 'SENT', at, by: 'cutoff' }],
    };
    const put: WriteOp = { type: 'put', item: { ...supplyKeys.purchaseOrder(date, s.supplierId), kind: 'purchaseOrder', ...po }, when: [{ op: 'notExists' }] };
    // Webhook deliveries of `purchase_order.created` in the same write as the order (shared/app/webhooks).
    const events = await webhookEvents(deps, 'purchase_order.created', { purchaseOrderId: po.id, date, supplierId: po.supplierId, qty: po.qty, amountFen: po.amountFen, lines: po.lines.map((l) => ({ productId: l.productId, qty: l.qty })) }, po.id);
    try {
      if (events.length) await deps.store.transact([put, ...events]);
      else await deps.store.write(put);
      created++;
    } catch (e) {
      if (!(e instanceof ConditionFailed) && !(e instanceof TransactionCancelled)) throw e;
    }
  }
  return created;
}

export async function listPurchaseOrders(deps: Deps, date: string): Promise<PurchaseOrder[]> {
  return (await queryAll(deps.store, { ...supplyKeys.purchaseOrders(date), consistent: true })).map(fromItem);
}

async function requirePurchaseOrder(deps: Deps, id: string): Promise<PurchaseOrder> {
  const { date, supplierId } = parsePurchaseOrderId(id);
  const it = await deps.store.get(supplyKeys.purchaseOrder(date, supplierId), { consistent: true });
  if (!it) throw new AppError('NOT_FOUND', `purchase order ${id} not found`, { id });
  return fromItem(it);
}

/** The purchase orders for Excel: one row per line. */
export function purchaseOrdersCsv(orders: readonly PurchaseOrder[]): string {
  const headers = ['采购单号', '供应商', '状态', '商品编号', '商品', '采购数量', '成本单价(元)', '金额(元)', '实收', '拒收', '等级'];
  const rows = orders.flatMap((o) =>
    o.lines.map((l) => {
      const r = o.received?.find((x) => x.productId === l.productId);
      return [o.id, o.supplierName ?? o.supplierId, o.status, l.productId, l.title, l.qty, l.costFen === undefined ? '' : fenToYuanText(l.costFen), l.amountFen === undefined ? '' : fenToYuanText(l.amountFen), r?.receivedQty ?? '', r?.rejectedQty ?? '', r?.grade ?? ''];
    }),
  );
  return toCsv(headers, rows);
}

export const purchaseOrdersCommand = defineCommand({
  name: 'cutoff.purchaseOrders',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({ date: bizDateSchema(), format: z.optional(z.enum(['json', 'csv'])) }),
  http: { method: 'GET', path: '/admin/waves/{date}/purchase-orders' },
  async run({ deps }, input) {
    const orders = await listPurchaseOrders(deps, input.date);
    if (input.format === 'csv') return { [CSV]: purchaseOrdersCsv(orders), filename: `purchase-orders-${input.date}.csv` };
    return { date: input.date, purchaseOrders: orders };
  },
});

const NEXT: Record<PurchaseOrderStatus, PurchaseOrderStatus[]> = { SENT: ['CONFIRMED', 'RECEIVED'], CONFIRMED: ['RECEIVED'], RECEIVED: [] };

/**
 * `SENT → CONFIRMED → RECEIVED`; the same status again changes nothing. RECEIVED here records
 * every unit as delivered and accepted (use `receive` to record rejects or a shortfall).
 */
export const purchaseOrderStatusCommand = defineCommand({
  name: 'cutoff.purchaseOrderStatus',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({ id: purchaseOrderIdSchema(), status: z.enum(['CONFIRMED', 'RECEIVED']) }),
  http: { method: 'POST', path: '/admin/purchase-orders/{id}/status' },
  async run(ctx, input) {
    const { deps } = ctx;
    const po = await requirePurchaseOrder(deps, input.id);
    if (po.status === input.status) return po;
    if (!NEXT[po.status].includes(input.status)) throw new AppError('INVALID_STATE', `a ${po.status} purchase order cannot become ${input.status}`, { status: po.status });
    if (input.status === 'RECEIVED')
      return receive(deps, userOf(ctx).userId, { id: input.id, requestId: `status-${po.id}`.slice(0, 32), lines: po.lines.map((l) => ({ productId: l.productId, receivedQty: l.qty, rejectedQty: 0 })) });
    const at = toBizIso(deps.clock.now());
    try {
      await deps.store.write({
        type: 'update',
        key: supplyKeys.purchaseOrder(po.date, po.supplierId),
        update: { set: { status: input.status, history: [...po.history, { status: input.status, at, by: userOf(ctx).userId }] } },
        when: [{ op: 'eq', path: 'status', value: po.status }],
      });
    } catch (e) {
      if (e instanceof ConditionFailed) throw new AppError('INVALID_STATE', 'the purchase order changed meanwhile; read it again', { id: po.id });
      throw e;
    }
    return { ...po, status: input.status };
  },
});

export const ReceiveInput = z.object({
  id: purchaseOrderIdSchema(),
  requestId: requestIdSchema(),
  lines: z
    .array(
      z.object({
        productId: z.string().check(z.minLength(1), z.maxLength(64)),
        receivedQty: z.int().check(z.minimum(0), z.maximum(1_000_000)),
        rejectedQty: z.int().check(z.minimum(0), z.maximum(1_000_000)),
        grade: z.optional(z.string().check(z.minLength(1), z.maxLength(10))),
      }),
    )
    .check(z.minLength(1), z.maxLength(80)),
});

/** The requestId of the shortage a receiving leaves for one product (a retry finds the same). */
const shortageRequestId = (poId: string, requestId: string, productId: string) =>
  `rcv${createHash('sha256').update(`${poId}|${requestId}|${productId}`).digest('hex').slice(0, 24)}`;

const MAX_ATTEMPTS = 6;

/**
 * Receives a purchase order (到货验收). Steps:
 * 1. the order exists; RECEIVED under this requestId → the same answer (its shortages
 *    finished, exactly once); under another → INVALID_STATE;
 * 2. each line: accepted = received − rejected (rejected ≤ received); products not on the
 *    order → VALIDATION_FAILED; a line not given received nothing;
 * 3. per product, the units customers go without: ordered − what is accepted (or still
 *    expected from the product's other orders), less the shortages already recorded; the loss
 *    buffer absorbs a shortfall first;
 * 4. the order becomes RECEIVED with its plan in one transaction with each product's shortage
 *    revision, so two receivings of one product (or a shortage posted meanwhile) never count
 *    the same units twice (the loser plans again);
 * 5. each planned shortage is recorded (cutoff/shortages.ts: latest paid first, refunded once).
 */
export async function receive(deps: Deps, by: string, input: z.infer<typeof ReceiveInput>) {
  const seen = new Set<string>();
  for (const l of input.lines) {
    if (l.rejectedQty > l.receivedQty) throw invalid(`lines`, `rejectedQty of ${l.productId} above receivedQty`);
    if (seen.has(l.productId)) throw invalid('lines', `${l.productId} given twice`);
    seen.add(l.productId);
  }
  for (let attempt = 1; ; attempt++) {
    const po = await requirePurchaseOrder(deps, input.id);
    if (po.status === 'RECEIVED') {
      if (po.receiveRequestId !== input.requestId) throw new AppError('INVALID_STATE', 'this purchase order was received already', { id: po.id });
      return finish(deps, by, po);
    }
    const onOrder = new Set(po.lines.map((l) => l.productId));
    for (const l of input.lines) if (!onOrder.has(l.productId)) throw invalid('lines', `${l.productId} is not on purchase order ${po.id}`);
    const received: ReceivedLine[] = po.lines.map((l) => {
      const r = input.lines.find((x) => x.productId === l.productId);
      return { productId: l.productId, receivedQty: r?.receivedQty ?? 0, rejectedQty: r?.rejectedQty ?? 0, acceptedQty: (r?.receivedQty ?? 0) - (r?.rejectedQty ?? 0), ...(r?.grade ? { grade: r.grade } : {}) };
    });

    const all = await listPurchaseOrders(deps, po.date);
    const shortageItems = await queryAll(deps.store, { ...cutoffKeys.shortages(po.date), consistent: true });
    const fromReceiving = new Set(all.flatMap((o) => (o.shortages ?? []).map((s) => s.requestId)));
    const revs = await deps.store.getMany(po.lines.map((l) => cutoffKeys.shortageRev(po.date, l.productId)));
    const revOf = new Map(revs.map((r) => [String(r.productId ?? ''), Number(r.rev ?? 0)]));
    const shortages: NonNullable<PurchaseOrder['shortages']> = [];
    for (const line of po.lines) {
      const expected = all.flatMap((o) => {
        const l = o.lines.find((x) => x.productId === line.productId);
        if (!l) return [];
        if (o.id === po.id) return [received.find((r) => r.productId === line.productId)!.acceptedQty];
        return [o.status === 'RECEIVED' ? (o.received?.find((r) => r.productId === line.productId)?.acceptedQty ?? 0) : l.qty];
      });
      const short = customersShortQty(line.productOrderedQty, expected);
      const recorded =
        all.flatMap((o) => o.shortages ?? []).filter((s) => s.productId === line.productId).reduce((a, s) => a + s.qty, 0) +
        shortageItems.filter((s) => s.productId === line.productId && !fromReceiving.has(String(s.requestId))).reduce((a, s) => a + Number(s.shortQty ?? 0), 0);
      const qty = short - recorded;
      if (qty > 0) shortages.push({ productId: line.productId, qty, requestId: shortageRequestId(po.id, input.requestId, line.productId) });
    }
    const at = toBizIso(deps.clock.now());
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: supplyKeys.purchaseOrder(po.date, po.supplierId),
        update: { set: { status: 'RECEIVED', received, receiveRequestId: input.requestId, receivedAt: at, shortages, history: [...po.history, { status: 'RECEIVED', at, by }] } },
        when: [{ op: 'eq', path: 'status', value: po.status }],
      },
      ...po.lines.map((l): WriteOp => {
        const rev = revOf.get(l.productId) ?? 0;
        return {
          type: 'update',
          key: cutoffKeys.shortageRev(po.date, l.productId),
          update: { set: { rev: rev + 1 }, setIfAbsent: { productId: l.productId, date: po.date } },
          when: [rev === 0 ? { op: 'attrNotExists', path: 'rev' } : { op: 'eq', path: 'rev', value: rev }],
        };
      }),
    ];
    try {
      await deps.store.transact(ops);
    } catch (e) {
      if (e instanceof TransactionCancelled && attempt < MAX_ATTEMPTS) continue;
      throw e;
    }
    return finish(deps, by, { ...po, status: 'RECEIVED', received, receiveRequestId: input.requestId, receivedAt: at, shortages });
  }
}

const invalid = (path: string, message: string) => new AppError('VALIDATION_FAILED', message, { issues: [{ path, message }] });

/** Records each planned shortage (idempotent per requestId) and answers the received order with the refunds. */
async function finish(deps: Deps, by: string, po: PurchaseOrder) {
  const refunds: { productId: string; shortQty: number; refunded: { orderId: string; qty: number; refundFen: number }[]; remainingShortQty: number }[] = [];
  for (const s of po.shortages ?? []) {
    try {
      const report = await recordShortage(deps, by, { date: po.date, requestId: s.requestId, productId: s.productId, shortQty: s.qty, reason: '到货短缺' });
      refunds.push({ productId: s.productId, shortQty: s.qty, ...report });
    } catch (e) {
      // Fewer units left to refund than short (refunded or picked up meanwhile): reported, nothing refunded twice.
      if (!isAppError(e) || e.code !== 'INVALID_STATE') throw e;
      refunds.push({ productId: s.productId, shortQty: s.qty, refunded: [], remainingShortQty: s.qty });
    }
  }
  return { ...po, refunds };
}

export const receiveCommand = defineCommand({
  name: 'cutoff.receive',
  roles: ['owner', 'warehouse'],
  input: ReceiveInput,
  http: { method: 'POST', path: '/admin/purchase-orders/{id}/receive' },
  async run(ctx, input) {
    return receive(ctx.deps, userOf(ctx).userId, input);
  },
});

export const purchaseOrderCommands = [purchaseOrdersCommand, purchaseOrderStatusCommand, receiveCommand];
