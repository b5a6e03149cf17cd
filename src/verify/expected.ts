import type { ColumnInfo, TableInfo } from '../backends/types.js';
import { mapRow, type MapFailure } from '../config/map-row.js';
import type { ResolvedTable } from '../config/types.js';
import { fromPlain, rowToPlain } from '../values/plain.js';
import type { Row, Value } from '../values/index.js';
import { date, dec, int, localTimestamp } from '../values/construct.js';
import type { LogicalType } from '../values/logical-type.js';
import { ValueError } from '../values/errors.js';

/** One next row a legacy row should have become, in canonical values, with the columns the mapping wrote. */
export interface ExpectedRow {
  readonly nextTable: string;
  readonly key: readonly Value[];
  readonly row: Row;
  /** The columns `to()` gave (next columns it does not give are next's own business: defaults, app columns). */
  readonly columns: readonly string[];
}

export type Expectation =
  | { readonly ok: true; readonly entityKey: unknown; readonly rows: readonly ExpectedRow[] }
  | { readonly ok: false; readonly failures: readonly MapFailure[] };

export interface NextTarget {
  readonly info: TableInfo;
  readonly key: readonly string[];
}

/** A next table's columns as the expecter walks them, decided once per table rather than once per row. */
interface TargetColumns {
  readonly target: NextTarget;
  readonly columns: readonly { readonly name: string; readonly type: ColumnInfo['type']; readonly nativeType: string; readonly isKey: boolean; readonly convert: (x: unknown) => Value }[];
  readonly names: ReadonlySet<string>;
  /** The column list when the mapping gives every column (the common case): shared by every such row. */
  readonly all: readonly string[];
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The same cleaning and `to()` apply uses (`mapRow`), then each value converted for its next column (`fromPlain`,
 * strict): what next must hold for this legacy row. A value that does not fit its column is a mapping failure,
 * exactly as apply would quarantine it.
 */
export class Expecter {
  private readonly byTable = new Map<string, TargetColumns>();
  private readonly ctx: { timezone?: string };

  constructor(
    private readonly table: ResolvedTable,
    private readonly targets: ReadonlyMap<string, NextTarget>,
    timezone: string | undefined,
  ) {
    this.ctx = timezone ? { timezone } : {};
    for (const [name, target] of targets) {
      const columns = target.info.columns.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType, isKey: target.key.includes(c.name), convert: converter(c.type) }));
      this.byTable.set(name, { target, columns, names: new Set(columns.map((c) => c.name)), all: columns.map((c) => c.name) });
    }
  }

  expect(legacy: Row): Expectation {
    const r = mapRow(this.table, rowToPlain(legacy), this.ctx);
    if (!r.ok) return { ok: false, failures: r.failures };
    const rows: ExpectedRow[] = [];
    let failures: MapFailure[] | undefined;
    for (const nextTable in r.rows) {
      const plains = r.rows[nextTable]!;
      const t = this.byTable.get(nextTable);
      if (!t) { (failures ??= []).push({ stage: 'write', reason: `to() gave rows for ${nextTable}, which is not a table of next` }); continue; }
      for (const plain of plains) {
        const row: Row = {};
        let columns: string[] | undefined; // built only when the mapping leaves a column out
        let given = 0;
        for (let i = 0; i < t.columns.length; i++) {
          const c = t.columns[i]!;
          const v = plain[c.name];
          const has = v !== undefined && hasOwn.call(plain, c.name);
          if (has) given++;
          if (!has && !c.isKey) {
            columns ??= t.all.slice(0, i);
            continue;
          }
          try { row[c.name] = has ? c.convert(v) : null; } catch (e) {
            if (!(e instanceof ValueError)) throw e;
            (failures ??= []).push({ stage: 'write', reason: `write ${nextTable}.${c.name}: ${e.reason} for ${c.type} column (${c.nativeType})` });
          }
          columns?.push(c.name);
        }
        // a key the mapping gave that next does not have: only looked for when the own keys outnumber the columns
        let own = 0;
        for (const k in plain) if (hasOwn.call(plain, k)) own++;
        if (own > given) for (const name of Object.keys(plain)) {
          if (!t.names.has(name)) (failures ??= []).push({ stage: 'write', reason: `write ${nextTable}.${name}: no such column in next table ${nextTable}` });
        }
        const keyNames = t.target.key;
        const key: Value[] = new Array(keyNames.length);
        for (let k = 0; k < keyNames.length; k++) key[k] = row[keyNames[k]!] ?? null;
        rows.push({ nextTable, key, row, columns: columns ?? t.all });
      }
    }
    if (failures) return { ok: false, failures };
    return { ok: true, entityKey: r.entityKey, rows };
  }
}

/**
 * `fromPlain(x, type)` for one column type, with the plain forms mappings give most (text, numbers, decimal and
 * date-time text) sent straight to their constructor — exactly the branch `fromPlain` itself takes for them —, so
 * the per-value type dispatch is decided once per column. Anything else goes through `fromPlain`.
 */
function converter(type: LogicalType): (x: unknown) => Value {
  switch (type) {
    case 'text': return (x) => (typeof x === 'string' ? x : fromPlain(x, type));
    case 'int': return (x) => (typeof x === 'number' ? int(x) : fromPlain(x, type));
    case 'dec': return (x) => (typeof x === 'string' ? dec(x) : fromPlain(x, type));
    case 'lts': return (x) => (typeof x === 'string' ? localTimestamp(x) : fromPlain(x, type));
    case 'date': return (x) => (typeof x === 'string' && x.length === 10 ? date(x) : fromPlain(x, type));
    default: return (x) => fromPlain(x, type);
  }
}
