import { AppError } from '#domain/errors';
import { queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { cachedGetMany } from '../read-cache.ts';
import type { ProductInput } from './schemas.ts';

export type Product = ProductInput & { id: string; updatedAt: string; /** A fresh value on every write: placement checks the one it priced with (read-cache.ts). */ rev?: string; flashSale?: ProductInput['flashSale'] & { id: string } };

const strip = ({ pk, sk, gsi1pk, gsi1sk, ...rest }: Item) => rest;

export async function getProduct(deps: Deps, id: string): Promise<Product | undefined> {
  const it = await deps.store.get(keys.product(id));
  return it ? (strip(it) as unknown as Product) : undefined;
}

export async function requireProduct(deps: Deps, id: string): Promise<Product> {
  const p = await getProduct(deps, id);
  if (!p) throw new AppError('NOT_FOUND', `product ${id} not found`, { productId: id });
  return p;
}

export async function getProducts(deps: Deps, ids: string[]): Promise<Map<string, Product>> {
  const items = await deps.store.getMany([...new Set(ids)].map((id) => keys.product(id)));
  return new Map(items.map((it) => [String(it.id), strip(it) as unknown as Product]));
}

/** As getProducts, through the per-instance read cache (read-cache.ts): placement and quote, whose transaction checks each product's `rev`. */
export async function getProductsCached(deps: Deps, ids: string[]): Promise<Map<string, Product>> {
  const items = await cachedGetMany(deps, [...new Set(ids)].map((id) => keys.product(id)));
  return new Map(items.map((it) => [String(it.id), strip(it) as unknown as Product]));
}

export async function listProducts(deps: Deps): Promise<Product[]> {
  const items = await queryAll(deps.store, allOfType('product'));
  return items.map((it) => strip(it) as unknown as Product);
}

/** Whether a product's flash sale is running at `now`. */
export const flashActive = (p: Product, now: number): boolean =>
  !!p.flashSale && Date.parse(p.flashSale.startsAt) <= now && now < Date.parse(p.flashSale.endsAt);

/** How a flash sale's stock is spread over shards so a hot product is not one hot item. */
export function flashShardCapacities(stock: number, shards: number): number[] {
  const n = Math.max(1, Math.min(shards, stock));
  return Array.from({ length: n }, (_, i) => Math.floor(stock / n) + (i < stock % n ? 1 : 0));
}
