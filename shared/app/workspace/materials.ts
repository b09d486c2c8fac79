import * as z from 'zod/mini';
import { bizDateSchema, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError, isAppError } from '#domain/errors';
import { logger } from '#platform/logger';
import { bizTime, toBizIso } from '#domain/time';
import { keys } from '../keys.ts';
import { getProduct, listProducts } from '../catalog/products.ts';
import { openWaveFor, waveInfo } from '../waves.ts';
import { requireLeaderOf } from '../verify/leader.ts';
import { shareCardFor } from '../share/cards.ts';
import { workspaceKeys } from './keys.ts';

/**
 * Daily materials to forward (素材转发, issue 17 item 4): staff write a text and images per product;
 * each leader gets the wave's products with that copy, the cutoff and arrival times, a ready group
 * post and their own share card.
 */
const url = () => z.string().check(z.maxLength(500), z.regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL'));
export const MaterialInput = z.object({
  id: id(),
  text: z.string().check(z.maxLength(1000)),
  images: z.array(url()).check(z.maxLength(9)),
});

/** `PUT /admin/products/{id}/material` (`admin.productMaterial`). */
export const productMaterialCommand = defineCommand({
  name: 'admin.productMaterial',
  roles: ['owner', 'operations'],
  input: MaterialInput,
  http: { method: 'PUT', path: '/admin/products/{id}/material' },
  async run(ctx, input) {
    const { deps } = ctx;
    if (!(await getProduct(deps, input.id))) throw new AppError('NOT_FOUND', `product ${input.id} not found`);
    const material = { productId: input.id, text: input.text, images: input.images, updatedAt: toBizIso(deps.clock.now()), updatedBy: userOf(ctx).userId };
    await deps.store.write({ type: 'put', item: { ...workspaceKeys.material(input.id), ...material } });
    return material;
  },
});

/** `GET /admin/materials` (`admin.productMaterials`, not in API.md): every product's material, for the console's editor. */
export const productMaterialsCommand = defineCommand({
  name: 'admin.productMaterials',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/materials' },
  async run({ deps }) {
    const products = await listProducts(deps);
    const items = await deps.store.getMany(products.map((p) => workspaceKeys.material(p.id)));
    return items.map((m) => ({ productId: String(m.productId), text: String(m.text), images: m.images as string[], updatedAt: String(m.updatedAt) }));
  },
});

const hhmm = (iso: string) => bizTime(iso).format('HH:mm');
const monthDay = (iso: string) => bizTime(iso).format('M月D日');

/** The group post: a headline, one line per product (title, price, copy), the cutoff, arrival and pickup point. */
export function groupPost(p: { date: string; cutoffAt: string; arrivalAt: string; pointName: string; products: { title: string; priceFen: number; text: string }[] }): string {
  const lines = [`【${monthDay(`${p.date}T12:00:00+08:00`)}团购】今日好物👇`];
  p.products.forEach((x, i) => lines.push(`${i + 1}. ${x.title} ¥${(x.priceFen / 100).toFixed(2)}${x.text ? ` ${x.text}` : ''}`));
  lines.push(`⏰ ${monthDay(p.cutoffAt)}${hhmm(p.cutoffAt)}截单，预计${monthDay(p.arrivalAt)}${hhmm(p.arrivalAt)}到货`);
  lines.push(`📍 自提点：${p.pointName}`);
  return lines.join('\n');
}

/** `GET /leader/materials?date=` (`verify.materials`): the wave's products with their copy and the leader's share card. */
export const materialsCommand = defineCommand({
  name: 'verify.materials',
  roles: ['leader'],
  input: z.object({ date: z.optional(bizDateSchema()) }),
  http: { method: 'GET', path: '/leader/materials' },
  async run(ctx, input) {
    const { deps } = ctx;
    const leader = await requireLeaderOf(ctx);
    const date = input.date ?? (await openWaveFor(deps, leader.communityId));
    const wave = waveInfo(deps, date);
    const [community, all] = await Promise.all([deps.store.get(keys.community(leader.communityId)), listProducts(deps)]);
    const onSale = all.filter((p) => p.status !== 'inactive').sort((a, b) => a.category.localeCompare(b.category, 'zh') || a.title.localeCompare(b.title, 'zh') || (a.id < b.id ? -1 : 1));
    const materials = new Map((await deps.store.getMany(onSale.map((p) => workspaceKeys.material(p.id)))).map((m) => [String(m.productId), m]));
    const products = onSale.map((p) => {
      const m = materials.get(p.id);
      return { productId: p.id, title: p.title, priceFen: p.priceFen, text: m ? String(m.text) : '', images: m ? (m.images as string[]) : [] };
    });
    const post = groupPost({ date, cutoffAt: wave.cutoffAt, arrivalAt: wave.arrivalAt, pointName: String(community?.name ?? ''), products });
    // The leader's own card (their community and invite code), made once per scene (shared/app/share/cards.ts).
    // The materials still answer when the card cannot be made now (WeChat's code service down): shareCard null, retried on the next read.
    const shareCard = await shareCardFor(deps, { userId: userOf(ctx).userId, communityId: leader.communityId }).catch((e: unknown) => {
      if (isAppError(e)) throw e;
      logger.warn('share card not made for the materials', { communityId: leader.communityId, error: e instanceof Error ? e.name : 'unknown' });
      return null;
    });
    return { date, cutoffAt: wave.cutoffAt, arrivalAt: wave.arrivalAt, post, products, shareCard };
  },
});
