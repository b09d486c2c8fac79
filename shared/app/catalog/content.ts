import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { AppError } from '#domain/errors';
import { searchKeysOf, type SearchKeys } from '#domain/catalog-search';

/**
 * Product content (issue 18 item 4, DESIGN.md §14): spec and unit text, grade, origin, shelf
 * life, weight, description, recipe or usage tips, up to 9 images and a video, and the
 * communities a product is hidden in. Spread into the product schema (catalog/schemas.ts), so
 * the single-item commands and the imports validate them alike.
 */
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** An image or video address: https (http only for the local stack's own uploads) or a CloudBase file id. */
export const mediaUrl = () =>
  z.string().check(z.maxLength(500), z.regex(/^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/|cloud:\/\/)\S+$/, 'expected an https URL'));

export const MAX_PRODUCT_IMAGES = 9;

export const productContentShape = {
  spec: z.optional(text(40)),
  unit: z.optional(text(10)),
  grade: z.optional(text(20)),
  origin: z.optional(text(40)),
  shelfLifeDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  /** Net weight in grams. */
  weightG: z.optional(z.int().check(z.minimum(0), z.maximum(1_000_000))),
  description: z.optional(z.string().check(z.maxLength(2000))),
  /** Recipe or usage tips (内容种草). */
  tips: z.optional(z.string().check(z.maxLength(2000))),
  images: z.optional(z.array(mediaUrl()).check(z.maxLength(MAX_PRODUCT_IMAGES))),
  video: z.optional(mediaUrl()),
  /** Communities where the product is neither listed nor orderable. */
  hiddenIn: z.optional(z.array(id()).check(z.maxLength(1000))),
};

type Content = { [K in keyof typeof productContentShape]?: z.infer<(typeof productContentShape)[K]> };
const CONTENT_FIELDS = Object.keys(productContentShape).filter((k) => k !== 'hiddenIn') as (keyof Content)[];

/** What the catalogue shows of a product's content (hiddenIn is the merchant's, not the customer's). */
export function contentView(p: Content): Omit<Content, 'hiddenIn'> {
  const out: Record<string, unknown> = {};
  for (const k of CONTENT_FIELDS) if (p[k] !== undefined) out[k] = p[k];
  return out as Omit<Content, 'hiddenIn'>;
}

/** Whether a product may be listed and ordered in a community. */
export const visibleIn = (p: { hiddenIn?: string[] }, communityId: string): boolean => !p.hiddenIn?.includes(communityId);

/** Quote and place: a product hidden in the community is not on sale there (NOT_FOUND, as an inactive one). */
export function assertOrderableIn(communityId: string, products: Iterable<{ id: string; hiddenIn?: string[] } | undefined>): void {
  for (const p of products)
    if (p && !visibleIn(p, communityId)) throw new AppError('NOT_FOUND', `product ${p.id} is not on sale in this community`, { productId: p.id, communityId });
}

/** The pinyin keys stored with a product when it is saved (catalogue search reads them, never computes them per query). */
export const productSearchKeys = (title: string): SearchKeys => searchKeysOf(title);

/** A stored product's keys; a product saved before search existed gets them computed. */
export const searchKeysOfProduct = (p: { title: string; searchPinyin?: unknown; searchInitials?: unknown }): SearchKeys =>
  typeof p.searchPinyin === 'string' && typeof p.searchInitials === 'string' ? { searchPinyin: p.searchPinyin, searchInitials: p.searchInitials } : searchKeysOf(p.title);

/** Output schema of the content fields in the catalogue. */
export const ContentOutput = {
  spec: z.optional(z.string()),
  unit: z.optional(z.string()),
  grade: z.optional(z.string()),
  origin: z.optional(z.string()),
  shelfLifeDays: z.optional(z.int()),
  weightG: z.optional(z.int()),
  description: z.optional(z.string()),
  tips: z.optional(z.string()),
  images: z.optional(z.array(z.string())),
  video: z.optional(z.string()),
};
