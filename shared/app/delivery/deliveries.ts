import * as z from 'zod/mini';
import { bizDateSchema, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { listCommunities } from '../catalog/communities.ts';
import { orderFromItem } from '../orders/model.ts';
import { withEffectiveStatus } from '../orders/effective.ts';
import { openContact } from '../privacy/contacts.ts';

/** Delivery orders still to deliver or delivered: cancelled, unpaid and expired ones are not on the list. */
const LISTED = new Set(['PAID', 'CONFIRMED', 'ARRIVED', 'DELIVERED']);

/**
 * 配送单: a wave's delivery orders per route (all routes without `routeId`), in route, community,
 * slot order, each with the recipient's name, full phone and full address opened from the order's
 * sealed contact. Warehouse only (and the owner, who may do everything): operations and every
 * other role get FORBIDDEN — the full address is the warehouse's alone (DESIGN.md §13). An order
 * whose contact was destroyed (erasure, retention) shows nulls.
 */
export async function listDeliveries(deps: Deps, date: string, routeId?: string) {
  const communities = (await listCommunities(deps)).filter((c) => !routeId || c.routeId === routeId).sort((a, b) => a.routeId.localeCompare(b.routeId) || a.id.localeCompare(b.id));
  if (routeId && communities.length === 0) throw new AppError('NOT_FOUND', `route ${routeId} not found`, { routeId });
  const items = [];
  for (const c of communities) {
    const orders = (await withEffectiveStatus(deps, (await queryAll(deps.store, keys.ordersOfWave(c.id, date))).map(orderFromItem))).filter((o) => o.delivery && LISTED.has(o.status));
    orders.sort((a, b) => a.delivery!.slot.localeCompare(b.delivery!.slot) || a.shortNo.localeCompare(b.shortNo));
    for (const o of orders) {
      const contact = openContact(deps, o);
      items.push({
        orderId: o.id,
        shortNo: o.shortNo,
        routeId: c.routeId,
        communityId: c.id,
        communityName: c.name,
        status: o.status,
        slot: o.delivery!.slot,
        feeFen: o.delivery!.feeFen,
        recipient: { name: contact?.name ?? null, phone: contact?.phone ?? null },
        address: contact?.address ?? null,
        ...(o.delivery!.location ? { location: o.delivery!.location } : {}),
        lines: o.lines.map((l) => ({ productId: l.productId, title: l.title, qty: l.qty })),
        ...(o.deliveredAt ? { deliveredAt: o.deliveredAt } : {}),
      });
    }
  }
  return { date, ...(routeId ? { routeId } : {}), items };
}

export const Deliveries = z.object({
  date: z.string(),
  routeId: z.optional(z.string()),
  items: z.array(
    z.object({
      orderId: z.string(),
      shortNo: z.string(),
      routeId: z.string(),
      communityId: z.string(),
      communityName: z.string(),
      status: z.string(),
      slot: z.string(),
      feeFen: z.int(),
      recipient: z.object({ name: z.nullable(z.string()), phone: z.nullable(z.string()) }),
      address: z.nullable(z.string()),
      location: z.optional(z.object({ lat: z.number(), lng: z.number() })),
      lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int() })),
      deliveredAt: z.optional(z.string()),
    }),
  ),
});

/** GET /admin/waves/{date}/deliveries?routeId=: the wave's delivery list with full addresses (warehouse). */
export const deliveriesCommand = defineCommand({
  name: 'cutoff.deliveries',
  roles: ['warehouse'],
  input: z.object({ date: bizDateSchema(), routeId: z.optional(id()) }),
  output: Deliveries,
  http: { method: 'GET', path: '/admin/waves/{date}/deliveries' },
  run: ({ deps }, input) => listDeliveries(deps, input.date, input.routeId),
});
