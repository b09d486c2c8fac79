import type { PickLabel, PickList } from '#domain/wave-reports';

/** One stored piece of a community's pick list; chunk 0 carries the name and product totals. */
export interface PickChunk {
  communityId: string;
  name: string;
  chunk: number;
  chunks: number;
  products: PickList['products'];
  labels: PickLabel[];
}

/**
 * Default bytes of labels per item: DynamoDB refuses items over 400 KB, and the JSON size of a
 * label is close to (a little above) its stored size, so this leaves a wide margin.
 */
export const PICK_CHUNK_BYTES = 240_000;

const sizeOf = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * Splits a pick list into items small enough to store, keeping the label order. The split
 * depends only on the list, so a rerun writes the same chunks under the same keys.
 */
export function chunkPickList(list: PickList, maxBytes = PICK_CHUNK_BYTES): PickChunk[] {
  const groups: PickLabel[][] = [[]];
  let used = sizeOf(list.products) + sizeOf(list.name);
  for (const label of list.labels) {
    const size = sizeOf(label) + 1;
    if (used + size > maxBytes && groups.at(-1)!.length > 0) {
      groups.push([]);
      used = 0;
    }
    groups.at(-1)!.push(label);
    used += size;
  }
  return groups.map((labels, chunk) => ({
    communityId: list.communityId,
    name: list.name,
    chunk,
    chunks: groups.length,
    products: chunk === 0 ? list.products : [],
    labels,
  }));
}

/**
 * The pick list back from its chunks (any order); undefined when a chunk is missing. Chunks
 * beyond the count chunk 0 gives are ignored (left by an earlier, larger write).
 */
export function joinPickChunks(chunks: readonly PickChunk[]): PickList | undefined {
  const first = chunks.find((c) => c.chunk === 0);
  if (!first) return undefined;
  const sorted = chunks.filter((c) => c.chunk < first.chunks).sort((a, b) => a.chunk - b.chunk);
  if (sorted.length !== first.chunks || sorted.some((c, i) => c.chunk !== i)) return undefined;
  return { communityId: first.communityId, name: first.name, products: first.products, labels: sorted.flatMap((c) => c.labels) };
}
