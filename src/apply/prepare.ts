/**
 * Step one of a batch, outside any transaction: each change is checked and mapped (clean → row schema → to() → next
 * schemas → strict canonical values for the next columns, src/config/map-row.ts). What cannot be mapped becomes a
 * quarantine decision here, with its stage and reasons; the rest carries its version and the next rows it produces.
 */
import type { RowChange } from '../log/change.js';
import { changeKeyText } from '../log/change.js';
import { versionOf } from '../log/version.js';
import { mapRow, type MapContext } from '../config/map-row.js';
import type { ResolvedConfig, ResolvedTable } from '../config/types.js';
import type { Row, Value } from '../values/index.js';
import { keyToText, rowToPlain, valueToText } from '../values/index.js';
import type { ApplyItem } from './types.js';
import type { NextTables } from './next-tables.js';
import { SiphonError } from '../errors.js';

/** Quarantine reason codes of apply (stable, for `siphon quarantine list --reason`). */
export const APPLY_REASONS = ['key', 'clean', 'row', 'entity-key', 'to', 'schema', 'invalid-value', 'write', 'next-key-conflict', 'missing-parent',
  'database', 'bad-position', 'unmapped-table', 'bad-change', 'soft-delete'] as const;
export type ApplyReason = (typeof APPLY_REASONS)[number];

/** A next row a legacy row produces, in canonical values. */
export interface NextRow {
  readonly table: string;
  readonly key: readonly Value[];
  readonly keyText: string;
  readonly row: Row;
}

export type Prepared =
  | { readonly kind: 'quarantine'; readonly index: number; readonly item: ApplyItem; readonly reason: ApplyReason; readonly messages: readonly string[]; readonly mapping?: ResolvedTable }
  | {
    readonly kind: 'change'; readonly index: number; readonly item: ApplyItem; readonly mapping: ResolvedTable;
    readonly version: string; readonly legacyKey: string;
    /** The key before an update that changed it: what it produced is removed. */
    readonly oldKey: string | null;
    readonly op: 'upsert' | 'delete';
    readonly rows: readonly NextRow[];
    readonly entityKey: string | null;
  };

/** The mapping of a captured table: by its name, or without the schema part (`public.orders` → `orders`). */
export function mappingFor(config: Pick<ResolvedConfig, 'tables'>, table: string): ResolvedTable | undefined {
  return config.tables[table] ?? (table.includes('.') ? config.tables[table.slice(table.lastIndexOf('.') + 1)] : undefined);
}

/**
 * A legacy row's key text: the mapping's key columns, in the mapping's order, from the change's key (else from its
 * image), so capture, backfill and aspire name the same legacy row the same way whatever order their `key` row has.
 */
export function legacyKeyOf(mapping: ResolvedTable | undefined, change: RowChange, image: 'key' | 'before' = 'key'): string | null {
  const src = image === 'before' ? change.before : change.key;
  if (!src) return null;
  if (!mapping) return image === 'key' ? changeKeyText(change) : null;
  const fallback = image === 'key' ? (change.after ?? change.before) : null;
  const values = mapping.key.map((k) => (k in src ? src[k]! : fallback && k in fallback ? fallback[k]! : undefined));
  if (values.some((v) => v === undefined)) return image === 'key' ? changeKeyText(change) : null;
  return keyToText(values as Value[]);
}

/** An entity key (a plain value or a list of them) as the ledger's key text: the same text as keyToText of the root's key. */
export function entityKeyText(v: unknown): string {
  const one = (x: unknown): string => {
    if (typeof x === 'number' && Number.isInteger(x)) return valueToText({ t: 'int', v: String(x) });
    if (typeof x === 'bigint') return valueToText({ t: 'int', v: String(x) });
    if (typeof x === 'number') return valueToText({ t: 'float', v: x });
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'string' || typeof x === 'boolean') return valueToText(x);
    return JSON.stringify(x);
  };
  return Array.isArray(v) ? v.map(one).join('|') : one(v);
}

const quarantine = (index: number, item: ApplyItem, reason: ApplyReason, messages: readonly string[], mapping?: ResolvedTable): Prepared =>
  ({ kind: 'quarantine', index, item, reason, messages, ...(mapping ? { mapping } : {}) });

/** mapRow's context, one per (config, next tables): built once, not per change (mapRow caches per context). */
const mapContexts = new WeakMap<NextTables, WeakMap<object, MapContext>>();
function mapContext(config: Pick<ResolvedConfig, 'tables' | 'legacy'>, next: NextTables): MapContext {
  let byConfig = mapContexts.get(next);
  if (!byConfig) mapContexts.set(next, byConfig = new WeakMap());
  let ctx = byConfig.get(config.legacy);
  if (!ctx) byConfig.set(config.legacy, ctx = Object.freeze({ ...(config.legacy.timezone ? { timezone: config.legacy.timezone } : {}), nextTables: next.infos }));
  return ctx;
}

export function prepareItem(index: number, item: ApplyItem, config: Pick<ResolvedConfig, 'tables' | 'legacy'>, next: NextTables): Prepared {
  const c: RowChange = item.change;
  let version: string;
  try { version = versionOf(c.position); } catch (e) {
    if (e instanceof SiphonError) return quarantine(index, item, 'bad-position', [e.message]);
    throw e;
  }
  const mapping = mappingFor(config, c.table);
  if (!mapping) return quarantine(index, item, 'unmapped-table', [`no mapping for table ${c.table} (mapped: ${Object.keys(config.tables).join(', ')})`]);
  const legacyKey = legacyKeyOf(mapping, c)!;
  // capture names the old key of a key-changing update (oldKey); the before image is the fallback (older logs)
  const oldKey = c.op !== 'update' ? null : c.oldKey ? legacyKeyOf(mapping, { ...c, before: c.oldKey }, 'before') : legacyKeyOf(mapping, c, 'before');
  const movedFrom = oldKey !== null && oldKey !== legacyKey ? oldKey : null;
  if (c.op === 'delete') return { kind: 'change', index, item, mapping, version, legacyKey, oldKey: movedFrom, op: 'delete', rows: [], entityKey: null };
  if (c.after === null) return quarantine(index, item, 'bad-change', [`${c.op} change without an after image`], mapping);
  // trigger capture could not re-read a row after a DDL: its image lacks these columns; writing them as NULL would
  // change values silently, so the change waits in quarantine (a later change of the row supersedes it by version)
  if (c.incomplete && c.incomplete.length > 0) return quarantine(index, item, 'bad-change', [`incomplete image: columns ${c.incomplete.join(', ')} missing (the row changed shape before capture could re-read it)`], mapping);
  const mapped = mapRow(mapping, rowToPlain(c.after), mapContext(config, next));
  if (!mapped.ok) {
    const first = mapped.failures[0]!;
    return quarantine(index, item, first.stage, mapped.failures.map((f) => f.reason), mapping);
  }
  // mapRow has already turned every output value into its canonical value for its next column (checkWrite: the strict
  // check), in the order of mapped.rows; those values are reused rather than converted a second time
  const rows: NextRow[] = [];
  const problems: string[] = [];
  for (const tableName of Object.keys(mapped.rows)) {
    const t = next.byName.get(tableName);
    if (!t) { problems.push(`to() gave rows for ${tableName}, which is not a next table`); continue; }
    for (const row of mapped.values?.[tableName] ?? []) {
      const missing = t.key.filter((k) => row[k] === undefined || row[k] === null);
      if (missing.length > 0) { problems.push(`write ${tableName}: key column ${missing.join(', ')} is missing or NULL`); continue; }
      const key = t.key.map((k) => row[k]!);
      rows.push({ table: tableName, key, keyText: keyToText(key), row });
    }
  }
  if (problems.length > 0) return quarantine(index, item, 'write', problems, mapping);
  return { kind: 'change', index, item, mapping, version, legacyKey, oldKey: movedFrom, op: 'upsert', rows, entityKey: mapping.entity !== undefined ? entityKeyText(mapped.entityKey) : null };
}
