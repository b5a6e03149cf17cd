import type { CleaningStep } from '../types.js';
import { CleaningError } from './errors.js';
import { columnStep } from './step.js';

export interface CodeMapOptions<V> {
  /** Value for codes not in the map. Without it an unknown code is an error naming the value. */
  readonly otherwise?: V;
  /** What NULL becomes (default: NULL stays NULL). */
  readonly nullAs?: V | null;
}

/**
 * Replaces magic numbers or letters by codes: `codeMap('STATUT', { 1: 'active', 2: 'closed' })`. Lookup is by the
 * value's text, so 1, 1n and '1' all match key 1 (legacy often stores numbers as text); text is trimmed first.
 */
export function codeMap<const M extends Readonly<Record<string | number, unknown>>>(
  column: string,
  map: M,
  options: CodeMapOptions<unknown> = {},
): CleaningStep {
  const table = new Map<string, unknown>(Object.entries(map));
  const known = [...table.keys()].join(', ');
  return columnStep('codeMap', [column], (v, col, ctx) => {
    if (v === null || v === undefined) return 'nullAs' in options ? options.nullAs : v;
    const k = typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : undefined;
    if (k !== undefined && table.has(k)) return table.get(k);
    if ('otherwise' in options) return options.otherwise;
    throw new CleaningError('codeMap', ctx.table, col, v, 'unknown-code', `unknown code ${k === undefined ? typeof v : JSON.stringify(k)} (known: ${known})`);
  });
}
