import type { ColumnInfo, TableInfo } from '../backends/types.js';
import { mapRow, type MapFailure } from '../config/map-row.js';
import type { PlainRow, ResolvedTable } from '../config/types.js';
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
  /** The whole row converted when the mapping gave exactly the next columns (see `wholeRow`), else undefined. */
  readonly whole: ((plain: PlainRow) => Row | undefined) | undefined;
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
      this.byTable.set(name, { target, columns, names: new Set(columns.map((c) => c.name)), all: columns.map((c) => c.name), whole: wholeRow(columns) });
    }
  }

  /** The column list of an expected row of `nextTable` that gave every next column (the very array, shared). */
  allColumns(nextTable: string): readonly string[] | undefined {
    return this.byTable.get(nextTable)?.all;
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
        let whole: Row | undefined;
        try { whole = t.whole?.(plain); } catch { whole = undefined; } // a value that does not convert: said below
        if (whole) {
          rows.push({ nextTable, key: keyOf(t.target.key, whole), row: whole, columns: t.all });
          continue;
        }
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
        rows.push({ nextTable, key: keyOf(t.target.key, row), row, columns: columns ?? t.all });
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

function keyOf(names: readonly string[], row: Row): Value[] {
  const key: Value[] = new Array(names.length);
  for (let k = 0; k < names.length; k++) key[k] = row[names[k]!] ?? null;
  return key;
}

/**
 * The usual row, built in one step: when the mapping gave every next column as an own, defined property and no
 * other key, the general walk of \`expect\` gives \`{ col: convert(value) }\` for every column in order, with no
 * failure unless a conversion throws (the caller then takes the general walk, which says why). Generated once per
 * next table with the column names as literals, so that V8 builds each row with one fixed shape instead of a keyed
 * store per column (a third of the expecter's own time). Not generated for a column named \`__proto__\`.
 */
function wholeRow(columns: readonly { readonly name: string; readonly convert: (x: unknown) => Value }[]): ((plain: PlainRow) => Row | undefined) | undefined {
  if (columns.length === 0 || columns.some((c) => c.name === '__proto__')) return undefined;
  const q = columns.map((c) => JSON.stringify(c.name));
  const body = [
    'let n = 0;',
    'for (const k in p) n++;', // own and inherited enumerable keys: more than the columns goes the general way
    `if (n !== ${columns.length}) return undefined;`,
    `if (!(${q.map((name) => `hasOwn.call(p, ${name}) && p[${name}] !== undefined`).join(' && ')})) return undefined;`,
    `return { ${q.map((name, i) => `${name}: c${i}(p[${name}])`).join(', ')} };`,
  ].join('\n');
  // generated code: names are JSON string literals, values are arguments
  const make = new Function('hasOwn', ...columns.map((_, i) => `c${i}`), `return function wholeRow(p) {\n${body}\n};`) as (...a: unknown[]) => (plain: PlainRow) => Row | undefined;
  return make(hasOwn, ...columns.map((c) => c.convert));
}
