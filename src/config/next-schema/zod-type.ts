import type { LogicalType } from '../../values/logical-type.js';

/** What a zod field says about its next column: a logical type when it gives one, a length, nullability. */
export interface ZodColumnHint {
  readonly type?: LogicalType;
  /** z.string().max(n) / .length(n). */
  readonly maxLength?: number;
  readonly fixedLength?: boolean;
  readonly nullable: boolean;
  /** The zod type named, for the plan's comments. */
  readonly zod: string;
}

interface ZodLike { readonly _zod?: { readonly def?: Record<string, unknown> }; readonly format?: unknown; readonly maxLength?: unknown; readonly minLength?: unknown }

const def = (s: unknown) => ((s as ZodLike | null)?._zod?.def ?? {}) as Record<string, unknown> & { type?: string };

/**
 * Reads a zod 4 field schema (duck-typed through `_zod.def`, so a config's own copy of zod works): wrappers
 * (nullable, optional, default, pipe's output, readonly) are unwrapped; an unknown shape gives no type.
 */
export function zodColumnHint(schema: unknown): ZodColumnHint {
  let s = schema;
  let nullable = false;
  for (let i = 0; i < 20; i++) {
    const d = def(s);
    if (d.type === 'nullable' || d.type === 'optional') { nullable = true; s = d.innerType; continue; }
    if (d.type === 'default' || d.type === 'prefault' || d.type === 'readonly' || d.type === 'catch' || d.type === 'nonoptional') { s = d.innerType; continue; }
    if (d.type === 'pipe') { s = def(d.out).type === 'transform' ? d.in : d.out; continue; }
    break;
  }
  const d = def(s);
  const z = s as ZodLike;
  const base = { nullable, zod: d.type ?? 'unknown' };
  switch (d.type) {
    case 'number': return { ...base, ...(z.format === 'safeint' || z.format === 'int32' || z.format === 'uint32' ? { type: 'int' as const } : { type: 'float' as const }) };
    case 'int': return { ...base, type: 'int' };
    case 'bigint': return { ...base, type: 'int' };
    case 'boolean': return { ...base, type: 'bool' };
    case 'date': return { ...base, type: 'ts' };
    case 'string': {
      const max = typeof z.maxLength === 'number' ? z.maxLength : undefined;
      const fixed = max !== undefined && z.minLength === max;
      const fmt = typeof z.format === 'string' ? z.format : '';
      const type: LogicalType = fmt === 'datetime' ? 'ts' : fmt === 'date' ? 'date' : fmt === 'time' ? 'time' : 'text';
      return { ...base, type, ...(max !== undefined && type === 'text' ? { maxLength: max, ...(fixed ? { fixedLength: true } : {}) } : {}) };
    }
    case 'enum': case 'literal': case 'template_literal': return { ...base, type: 'text' };
    case 'object': case 'array': case 'record': case 'tuple': case 'map': return { ...base, type: 'json' };
    default: return { ...base, nullable: nullable || d.type === 'any' || d.type === 'unknown' };
  }
}

/** Field schemas of a zod object schema (`.shape`), or undefined. */
export function zodFields(schema: unknown): Record<string, unknown> | undefined {
  const shape = (schema as { shape?: unknown } | null)?.shape;
  return shape && typeof shape === 'object' ? (shape as Record<string, unknown>) : undefined;
}
