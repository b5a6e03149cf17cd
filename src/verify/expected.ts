import type { TableInfo } from '../backends/types.js';
import { mapRow, type MapFailure } from '../config/map-row.js';
import type { ResolvedTable } from '../config/types.js';
import { fromPlain, rowToPlain } from '../values/plain.js';
import type { Row, Value } from '../values/index.js';
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

/**
 * The same cleaning and `to()` apply uses (`mapRow`), then each value converted for its next column (`fromPlain`,
 * strict): what next must hold for this legacy row. A value that does not fit its column is a mapping failure,
 * exactly as apply would quarantine it.
 */
export class Expecter {
  constructor(
    private readonly table: ResolvedTable,
    private readonly targets: ReadonlyMap<string, NextTarget>,
    private readonly timezone: string | undefined,
  ) {}

  expect(legacy: Row): Expectation {
    const r = mapRow(this.table, rowToPlain(legacy), this.timezone ? { timezone: this.timezone } : {});
    if (!r.ok) return { ok: false, failures: r.failures };
    const rows: ExpectedRow[] = [];
    const failures: MapFailure[] = [];
    for (const [nextTable, plains] of Object.entries(r.rows)) {
      const target = this.targets.get(nextTable);
      if (!target) { failures.push({ stage: 'write', reason: `to() gave rows for ${nextTable}, which is not a table of next` }); continue; }
      for (const plain of plains) {
        const row: Row = {};
        const columns: string[] = [];
        for (const c of target.info.columns) {
          const given = Object.prototype.hasOwnProperty.call(plain, c.name) && plain[c.name] !== undefined;
          if (!given && !target.key.includes(c.name)) continue;
          try { row[c.name] = fromPlain(given ? plain[c.name] : null, c.type); } catch (e) {
            if (!(e instanceof ValueError)) throw e;
            failures.push({ stage: 'write', reason: `write ${nextTable}.${c.name}: ${e.reason} for ${c.type} column (${c.nativeType})` });
          }
          columns.push(c.name);
        }
        if (Object.keys(plain).length > columns.length) for (const name of Object.keys(plain)) {
          if (!columns.includes(name) && !target.info.columns.some((c) => c.name === name)) failures.push({ stage: 'write', reason: `write ${nextTable}.${name}: no such column in next table ${nextTable}` });
        }
        rows.push({ nextTable, key: target.key.map((k) => row[k] ?? null), row, columns });
      }
    }
    if (failures.length > 0) return { ok: false, failures };
    return { ok: true, entityKey: r.entityKey, rows };
  }
}
