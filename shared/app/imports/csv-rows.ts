import type * as z from 'zod/mini';

/**
 * Turns CSV cells into the JSON input of a single-item command, led by that command's own schema
 * (so a field another change adds to the schema is imported too): the header names JSON fields
 * (`location.lat` for a nested one), numbers and booleans are read from their text, lists are
 * joined with `|`, an empty cell is an absent field.
 */
type Kind = 'number' | 'boolean' | 'array' | 'object' | 'text';

interface Def {
  type: string;
  innerType?: z.ZodMiniType;
  in?: z.ZodMiniType;
  shape?: Record<string, z.ZodMiniType>;
  element?: z.ZodMiniType;
  options?: z.ZodMiniType[];
}
const defOf = (s: z.ZodMiniType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional, default, pipe wrappers. */
function unwrap(s: z.ZodMiniType): z.ZodMiniType {
  let at = s;
  for (let i = 0; i < 10; i++) {
    const d = defOf(at);
    if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) at = d.innerType;
    else if (d.type === 'pipe' && d.in) at = d.in;
    else break;
  }
  return at;
}

function kindOf(s: z.ZodMiniType): Kind {
  const t = defOf(unwrap(s)).type;
  if (t === 'number' || t === 'int') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'array') return 'array';
  if (t === 'object') return 'object';
  return 'text';
}

/** The field at a dotted header path, or undefined when the schema has no such field. */
export function fieldAt(schema: z.ZodMiniType, path: string): z.ZodMiniType | undefined {
  let at: z.ZodMiniType | undefined = schema;
  for (const part of path.split('.')) {
    const d = defOf(unwrap(at!));
    if (d.type !== 'object' || !d.shape || !Object.hasOwn(d.shape, part)) return undefined;
    at = d.shape[part];
  }
  return at && kindOf(at) !== 'object' ? at : undefined;
}

function cellValue(field: z.ZodMiniType, cell: string): unknown {
  const kind = kindOf(field);
  if (kind === 'array') {
    const element = defOf(unwrap(field)).element;
    return cell.split('|').map((x) => x.trim()).filter((x) => x !== '').map((x) => (element ? cellValue(element, x) : x));
  }
  const v = cell.trim();
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (kind === 'boolean') {
    const l = v.toLowerCase();
    if (['true', '1', 'yes', '是', 'y'].includes(l)) return true;
    if (['false', '0', 'no', '否', 'n'].includes(l)) return false;
    return v;
  }
  return cell;
}

/** One row as the command's input: dotted headers become nested objects; empty cells are left out. */
export function rowInput(schema: z.ZodMiniType, header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  header.forEach((path, i) => {
    const cell = cells[i] ?? '';
    const field = fieldAt(schema, path);
    if (!field || cell.trim() === '') return;
    const parts = path.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts.at(-1)!] = cellValue(field, cell);
  });
  return out;
}
