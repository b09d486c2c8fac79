import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { listCommunities } from '../catalog/communities.ts';

/**
 * GET /admin/communities: every community as stored (pickup hours, delivery settings, route,
 * leader binding), for the console's community settings; edited with `PUT /admin/communities/{id}`.
 */
export const adminCommunitiesCommand = defineCommand({
  name: 'admin.communities',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/communities' },
  async run({ deps }) {
    return (await listCommunities(deps))
      .sort((a, b) => a.routeId.localeCompare(b.routeId) || a.id.localeCompare(b.id))
      .map(({ id, name, address, region, location, routeId, hours, delivery, leaderId, leaderName, status }) => ({
        id,
        name,
        address,
        region,
        location,
        routeId,
        ...(hours ? { hours } : {}),
        ...(delivery ? { delivery } : {}),
        ...(leaderId ? { leaderId, leaderName } : {}),
        status,
      }));
  },
});
