import * as z from 'zod/mini';
import { AfterSalesOut } from '../after-sales/outputs.ts';

/** Output schemas of the leader workspace (documentation and tests only: shared/app/outputs.ts). */
const hours = z.object({ opens: z.string(), closes: z.string(), closedDays: z.optional(z.array(z.int())) });
export const ApplicationOut = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  pointName: z.string(),
  address: z.string(),
  location: z.object({ lat: z.number(), lng: z.number() }),
  region: z.string(),
  hours,
  capacity: z.int(),
  /** The phone only by its last four digits (sealed at rest). */
  phoneTail: z.string(),
  description: z.optional(z.string()),
  photos: z.array(z.string()),
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
  createdAt: z.string(),
  decidedAt: z.optional(z.string()),
  decidedBy: z.optional(z.string()),
  reason: z.optional(z.string()),
  communityId: z.optional(z.string()),
  leaderId: z.optional(z.string()),
});

const audience = z.object({ all: z.optional(z.literal(true)), regions: z.optional(z.array(z.string())), routeIds: z.optional(z.array(z.string())) });
const kind = z.enum(['notice', 'training']);
export const AnnouncementOut = z.object({ id: z.string(), title: z.string(), body: z.string(), kind, publishedAt: z.string(), readAt: z.optional(z.string()) });
const Material = z.object({ productId: z.string(), text: z.string(), images: z.array(z.string()), updatedAt: z.string() });

const Draft = z.object({
  id: z.string(),
  orderId: z.string(),
  orderShortNo: z.string(),
  communityId: z.string(),
  userId: z.string(),
  leaderId: z.string(),
  lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int() })),
  reason: z.string(),
  photos: z.array(z.string()),
  status: z.enum(['AWAITING_CUSTOMER', 'CONFIRMED']),
  createdAt: z.string(),
  confirmedAt: z.optional(z.string()),
  afterSalesId: z.optional(z.string()),
});

export const workspaceOutputs = {
  'verify.apply': ApplicationOut,
  'admin.leaderApplications': z.array(ApplicationOut),
  'admin.decideLeaderApplication': ApplicationOut,
  'admin.announce': z.extend(AnnouncementOut, { audience, pushed: z.int() }),
  'verify.announcements': z.array(AnnouncementOut),
  'verify.readAnnouncement': AnnouncementOut,
  'admin.productMaterial': z.extend(Material, { updatedBy: z.string() }),
  'admin.productMaterials': z.array(Material),
  'verify.materials': z.object({
    date: z.string(),
    cutoffAt: z.string(),
    arrivalAt: z.string(),
    /** The group post to forward (text). */
    post: z.string(),
    products: z.array(z.object({ productId: z.string(), title: z.string(), priceFen: z.int(), text: z.string(), images: z.array(z.string()) })),
    /** The leader's share card; null when it cannot be made at the moment. */
    shareCard: z.nullable(z.object({ scene: z.string(), imageUrl: z.string() })),
  }),
  'verify.assistAfterSales': Draft,
  'verify.afterSalesDrafts': z.array(Draft),
  'verify.confirmAfterSales': AfterSalesOut,
};
