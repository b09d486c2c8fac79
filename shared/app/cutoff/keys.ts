import type { Key } from '#ports/item-store';
import { keys } from '../keys.ts';

/**
 * Keys of the cutoff's own items (the shared builders live in app/keys.ts).
 *
 * - `JOB#cutoff` / `LAST`: the latest wave closed with every earlier one (where catch-up starts);
 *   `JOB#cutoff` / `WAVE#<date>`: a wave whose communities are all closed and reports written.
 * - `W#<date>` / `PART#<communityId>`: one community's totals, written in the same transaction
 *   as its close (the per-community checkpoint the wave reports are merged from).
 * - `W#<date>` / `PICK#<communityId>` (+ `#<nnn>` for more labels than fit one item),
 *   `PURCHASE`, `ROUTES`, `WARNINGS`, `STATS`: the wave reports; `SHORT#<requestId>`: a shortage
 *   (what was short, the units chosen, the refunds), `SHORTREV#<productId>`: its product's count.
 * - `W#STATS` / `<date>` and `W#STATS#<dimension>` / `<date>`: the dashboard's per-wave
 *   aggregates, one item per dimension so a date range is one query and no item nears 400 KB.
 */
export type Dimension = 'region' | 'route' | 'community' | 'product' | 'leader';
export const DIMENSIONS: readonly Dimension[] = ['region', 'route', 'community', 'product', 'leader'];

export const cutoffKeys = {
  last: (): Key => keys.job('cutoff', 'LAST'),
  waveDone: (date: string): Key => keys.job('cutoff', `WAVE#${date}`),
  part: (date: string, communityId: string): Key => keys.waveReport(date, `PART#${communityId}`),
  parts: (date: string) => keys.waveReports(date, 'PART#'),
  /** Chunk 0 is `PICK#<communityId>`; further chunks sort after it under `PICK#<communityId>#`. */
  pick: (date: string, communityId: string, chunk: number): Key =>
    keys.waveReport(date, chunk === 0 ? `PICK#${communityId}` : `PICK#${communityId}#${String(chunk).padStart(3, '0')}`),
  pickChunks: (date: string, communityId: string) => keys.waveReports(date, `PICK#${communityId}#`),
  picks: (date: string) => keys.waveReports(date, 'PICK#'),
  purchase: (date: string): Key => keys.waveReport(date, 'PURCHASE'),
  routes: (date: string): Key => keys.waveReport(date, 'ROUTES'),
  warnings: (date: string): Key => keys.waveReport(date, 'WARNINGS'),
  stats: (date: string): Key => keys.waveReport(date, 'STATS'),
  /** A shortage recorded for the wave (cutoff/shortages.ts), by its requestId; `SHORTREV#<productId>` serialises a product's shortages. */
  shortage: (date: string, requestId: string): Key => keys.waveReport(date, `SHORT#${requestId}`),
  shortages: (date: string) => keys.waveReports(date, 'SHORT#'),
  shortageRev: (date: string, productId: string): Key => keys.waveReport(date, `SHORTREV#${productId}`),
  dashboardTotal: (date: string): Key => ({ pk: 'W#STATS', sk: date }),
  dashboardGroups: (dimension: Dimension, date: string): Key => ({ pk: `W#STATS#${dimension}`, sk: date }),
} as const;
