import type { ProductContent } from './components/ProductContentFields.vue';

/** The editor's content from a stored product, and back to the API's input (empty fields left out). */
export function contentOf(p: Partial<ProductContent> & Record<string, unknown> = {}): ProductContent {
  return {
    spec: p.spec, unit: p.unit, grade: p.grade, origin: p.origin, shelfLifeDays: p.shelfLifeDays, weightG: p.weightG,
    description: p.description, tips: p.tips, images: [...(p.images ?? [])], video: p.video, hiddenIn: [...(p.hiddenIn ?? [])],
  };
}

export function contentInput(c: ProductContent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}
