import type { Key } from '#ports/item-store';

/**
 * The leader workspace's own items (DESIGN.md §13, issue 17 items 1 and 4).
 *
 * - A leader application is `LAPP#<id>` / `META`, listed by status in GSI1 `LAPPS#<status>` /
 *   `<createdAt>#<id>`; a customer's open one is marked by `U#<userId>` / `LAPP#OPEN` (created with
 *   the application, deleted by its decision), so a customer has at most one open application.
 * - An announcement is `ANN#<id>` / `META`, listed newest first in GSI1 `ANNS` / `<publishedAt>#<id>`;
 *   who it addresses is decided when read (a leader approved later still sees earlier training).
 *   A leader's read receipt is `L#<leaderId>` / `ANNREAD#<announcementId>`.
 * - A product's material (text and images to forward) is `P#<productId>` / `MATERIAL`, apart from
 *   the product record so saving the product keeps it.
 */
export const workspaceKeys = {
  application: (id: string): Key => ({ pk: `LAPP#${id}`, sk: 'META' }),
  openApplication: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'LAPP#OPEN' }),
  announcement: (id: string): Key => ({ pk: `ANN#${id}`, sk: 'META' }),
  announcementRead: (leaderId: string, announcementId: string): Key => ({ pk: `L#${leaderId}`, sk: `ANNREAD#${announcementId}` }),
  announcementReads: (leaderId: string) => ({ pk: `L#${leaderId}`, prefix: 'ANNREAD#' }),
  material: (productId: string): Key => ({ pk: `P#${productId}`, sk: 'MATERIAL' }),
};

export const applicationIndex = (status: string, createdAt: string, id: string) => ({ gsi1pk: `LAPPS#${status}`, gsi1sk: `${createdAt}#${id}` });
export const applicationsByStatus = (status: string) => ({ index: 'gsi1' as const, pk: `LAPPS#${status}` });

export const announcementIndex = (publishedAt: string, id: string) => ({ gsi1pk: 'ANNS', gsi1sk: `${publishedAt}#${id}` });
export const allAnnouncements = () => ({ index: 'gsi1' as const, pk: 'ANNS' });
