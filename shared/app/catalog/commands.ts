import * as z from 'zod/mini';
import { id, queryNumber } from '#platform/schema';
import { defineCommand } from '#app/command';
import { nearestFirst } from '#domain/geo';
import { AppError } from '#domain/errors';
import { nearestM, servesCustomer, servesRegion } from '#domain/service-area';
import { keys } from '../keys.ts';
import { openWaveFor, waveInfo } from '../waves.ts';
import { listCommunities, requireCommunityCached } from './communities.ts';
import { loadServiceArea } from './service-area.ts';
import { flashActive, flashShardCapacities, listProducts } from './products.ts';
import { catalogCategoryFilter, catalogOrder, contentView, visibleIn } from './content-catalog.ts';

/** Pickup points for the customer's choice, nearest first when a location is given; only those in the service area (DESIGN.md §13). */
export const communitiesCommand = defineCommand({
  name: 'order.communities',
  roles: ['customer'],
  input: z.object({
    lat: z.optional(queryNumber().check(z.gte(-90), z.lte(90))),
    lng: z.optional(queryNumber().check(z.gte(-180), z.lte(180))),
    q: z.optional(z.string().check(z.maxLength(40))),
  }),
  http: { method: 'GET', path: '/communities' },
  async run({ deps }, input) {
    // Steps: list active communities in the service area → located: NOT_SERVED when none is
    // within its radius → filter by text → order by distance when located.
    const area = await loadServiceArea(deps);
    let list = (await listCommunities(deps)).filter((c) => c.status !== 'inactive' && servesRegion(area, c.region));
    if (input.lat !== undefined && input.lng !== undefined && !servesCustomer(area, { lat: input.lat, lng: input.lng }, list)) {
      const d = nearestM({ lat: input.lat, lng: input.lng }, list);
      throw new AppError('NOT_SERVED', 'no pickup point serves this location', { nearestM: d ?? null, radiusM: area.radiusM });
    }
    if (input.q) list = list.filter((c) => c.name.includes(input.q!) || c.address.includes(input.q!));
    const view = (c: (typeof list)[number], distanceM?: number) => ({
      id: c.id,
      name: c.name,
      address: c.address,
      region: c.region,
      ...(c.hours ? { hours: c.hours } : {}),
      ...(c.delivery?.enabled ? { delivery: c.delivery } : {}),
      ...(distanceM !== undefined ? { distanceM } : {}),
      leader: { name: c.leaderName ?? '' },
    });
    if (input.lat !== undefined && input.lng !== undefined) {
      return nearestFirst({ lat: input.lat, lng: input.lng }, list).map((c) => view(c, c.distanceM));
    }
    return list.sort((a, b) => a.name.localeCompare(b.name, 'zh')).map((c) => view(c));
  },
});

/** The open wave of a community and the products on sale, with what remains of limited stock. */
export const catalogCommand = defineCommand({
  name: 'order.catalog',
  roles: ['customer'],
  // Reads no role of its caller: an openid caller needs no roles lookup (the 20:00 peak's most frequent call).
  rolesUnread: true,
  input: z.object({
    communityId: id(),
    q: z.optional(z.string().check(z.maxLength(40))),
    category: z.optional(z.string().check(z.maxLength(20))),
  }),
  http: { method: 'GET', path: '/catalog' },
  async run({ deps }, input) {
    // Steps: community exists → open wave → active products (filtered) → remaining stock per product.
    // The community through the per-instance read cache, as placement reads it (read-cache.ts).
    await requireCommunityCached(deps, input.communityId);
    const date = await openWaveFor(deps, input.communityId);
    const now = deps.clock.now();
    let products = (await listProducts(deps)).filter((p) => p.status !== 'inactive' && visibleIn(p, input.communityId));
    if (input.category) products = products.filter(await catalogCategoryFilter(deps, input.category));
    const stockKeys = products.filter((p) => p.stockPerWave !== undefined).map((p) => keys.waveStock(p.id, date));
    const flashKeys = products
      .filter((p) => flashActive(p, now))
      .flatMap((p) => flashShardCapacities(p.flashSale!.stock, deps.settings.flashShards).map((_, i) => keys.flashStock(p.id, p.flashSale!.id, i)));
    const counters = await deps.store.getMany([...stockKeys, ...flashKeys]);
    const sold = new Map(counters.map((c) => [`${c.pk}|${c.sk}`, Number(c.sold ?? 0)]));
    const soldOf = (k: { pk: string; sk: string }) => sold.get(`${k.pk}|${k.sk}`) ?? 0;
    return {
      wave: waveInfo(deps, date),
      // With `q`: matches only, best first (Chinese, pinyin, initials: content-catalog.ts).
      products: catalogOrder(products, input.q)
        .map((p) => {
          const flash = flashActive(p, now) ? p.flashSale! : undefined;
          const flashRemaining = flash
            ? flashShardCapacities(flash.stock, deps.settings.flashShards).reduce((sum, cap, i) => sum + Math.max(0, cap - soldOf(keys.flashStock(p.id, flash.id, i))), 0)
            : undefined;
          return {
            id: p.id,
            title: p.title,
            category: p.category,
            priceFen: p.priceFen,
            ...(p.memberPriceFen !== undefined ? { memberPriceFen: p.memberPriceFen } : {}),
            ...(p.stockPerWave !== undefined ? { remaining: Math.max(0, p.stockPerWave - soldOf(keys.waveStock(p.id, date))) } : {}),
            ...(p.perUserLimit !== undefined ? { perUserLimit: p.perUserLimit } : {}),
            fresh: p.fresh,
            ...contentView(p),
            ...(flash
              ? { flashSale: { priceFen: flash.priceFen, startsAt: flash.startsAt, endsAt: flash.endsAt, perUserLimit: flash.perUserLimit, remaining: flashRemaining } }
              : {}),
          };
        }),
    };
  },
});
