import type { Row, Value } from '../../values/value.js';

/** One result column's decoder: the driver's text (or NULL) → a canonical value. */
export type TextDecoder = (text: string | null) => Value;

type Builder = (vals: readonly (string | null)[], d: readonly TextDecoder[]) => Row;

/**
 * A row builder per column-name list, generated once with the names as literals: V8 then creates each row with one
 * fixed shape instead of a keyed store per column (the per-row path of every page read). Cached by the list; lists
 * with a `__proto__` column (a literal would set the prototype) or a repeated name take the general loop.
 */
const builders = new Map<string, Builder | null>();
const MAX_BUILDERS = 512;

function builderFor(names: readonly string[]): Builder | null {
  const id = names.join('\u0000');
  let b = builders.get(id);
  if (b !== undefined) return b;
  if (names.length === 0 || names.includes('__proto__') || new Set(names).size !== names.length) b = null;
  else {
    const body = `return { ${names.map((n, i) => `${JSON.stringify(n)}: d[${i}](vals[${i}] ?? null)`).join(', ')} };`;
    // generated code: names are JSON string literals, values are arguments
    b = new Function('vals', 'd', body) as Builder;
  }
  if (builders.size >= MAX_BUILDERS) builders.clear(); // ad hoc queries must not grow the cache without bound
  builders.set(id, b);
  return b;
}

/** Rows of text values → canonical rows, one decoder per column built once per result. */
export function decodeRows(rows: readonly (string | null)[][], names: readonly string[], decoders: readonly TextDecoder[]): Row[] {
  const out: Row[] = new Array(rows.length);
  const build = rows.length > 0 ? builderFor(names) : null;
  if (build) {
    for (let r = 0; r < rows.length; r++) out[r] = build(rows[r]!, decoders);
    return out;
  }
  const n = names.length;
  for (let r = 0; r < rows.length; r++) {
    const vals = rows[r]!;
    const row: Row = {};
    for (let i = 0; i < n; i++) row[names[i]!] = decoders[i]!(vals[i] ?? null);
    out[r] = row;
  }
  return out;
}
