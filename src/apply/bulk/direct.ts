/**
 * The bulk path's first try: COPY a chunk's `row_versions` lines and next rows straight into their tables, inside a
 * savepoint, instead of staging them and running the set statements (bulk-tx.ts `writeBulk`).
 *
 * Why it is the same decision: the staged path writes a change only when next holds no version of its legacy row,
 * no lineage line for one of its next rows, every parent of its rows, and no row under its keys; each such change
 * becomes exactly its version line and its rows — plain inserts. Here those conditions are not looked up one by one:
 *  - a version next holds, a next row next holds (written outside Siphon): COPY violates the primary key;
 *  - a missing parent: COPY violates the foreign key (tables are copied parent-first, as the set statements write);
 *  - a value the column or a CHECK refuses: the encoder refuses it before sending, or COPY fails;
 *  - a lineage line: looked up first, for the whole tables (billing: none; any line → the staged path).
 * Any of these rolls the whole transaction back (`DirectSteppedAside`; no savepoint, which cost two round trips per
 * chunk) and the caller runs the chunk again on the staged path, which sorts the changes out one by one (none of the
 * direct attempt is left). So the direct attempt only ever writes what the staged path would have
 * written, with one COPY per table instead of a COPY into staging plus an `INSERT … SELECT … ON CONFLICT` with its
 * index probes (the set statements were ≈ 45 % of the applier's wall time in a backfill round).
 *
 * A conflict makes the attempt wasted work, so after one the next batches go staged for a while (`DirectHint`):
 * a re-apply over rows next already holds does not pay the failed COPY every chunk.
 */
import { isRetryable, SiphonError } from '../../errors.js';
import { BackendError } from '../../backends/errors.js';
import type { ColumnInfo } from '../../backends/types.js';
import { ValueError } from '../../values/index.js';
import type { Row } from '../../values/index.js';
import type { TxContext } from '../batch-tx.js';
import type { NextTable, NextTables } from '../next-tables.js';
import type { BulkSplit } from './split.js';

/** Batches that skip the direct attempt after one failed (a conflict tends to repeat on the next chunks). */
export const SKIP_AFTER_FAILURE = 8;

/**
 * Per applier: batches left to go staged after a direct attempt stepped aside, and how many after the next one;
 * which next tables carry a deferrable constraint (looked up once per table).
 */
export interface DirectHint { skip: number; readonly skipAfterFailure: number; deferrable?: Map<string, boolean> }

const TEXT: ColumnInfo = { name: '', type: 'text', nativeType: 'text', nullable: true };
const VERSION_COLUMNS: readonly ColumnInfo[] = [
  ...['source_table', 'legacy_key', 'version'].map((name) => ({ ...TEXT, name, nullable: false })),
  { name: 'deleted', type: 'int', nativeType: 'smallint', nullable: false },
  ...['entity', 'entity_key'].map((name) => ({ ...TEXT, name })),
  { ...TEXT, name: 'produced', nullable: false },
];

// A deferrable constraint set INITIALLY DEFERRED would be checked at COMMIT, after the direct attempt succeeded: a
// missing parent would then fail the whole chunk instead of stepping aside (the staged path checks parents itself).
// Tables with one (of the connection's schema, where next's tables are) always go staged.
const DEFERRABLE = `SELECT DISTINCT c.relname AS t FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE k.condeferrable AND n.nspname = current_schema() AND c.relname IN (SELECT value FROM json_array_elements_text(?::json))`;

/**
 * Whether the engine enforces the table's key (primary key or a unique key on exactly those columns): only then does
 * a row next already holds make COPY fail. A `nextKeys` without such an index goes staged, where ON CONFLICT needs it.
 */
function keyEnforced(t: NextTable): boolean {
  const same = (k: readonly string[]) => k.length === t.key.length && t.key.every((c) => k.includes(c));
  return same(t.info.primaryKey) || t.info.uniqueKeys.some(same);
}

async function anyDeferrable(tx: TxContext['next'], names: readonly string[], hint: DirectHint): Promise<boolean> {
  const known = hint.deferrable ??= new Map();
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    const found = new Set((await tx.query(DEFERRABLE, [JSON.stringify(unknown)])).map((r) => String(r.t)));
    for (const n of unknown) known.set(n, found.has(n));
  }
  return names.some((n) => known.get(n));
}

/**
 * Thrown by `writeDirect` when the direct attempt steps aside: the caller's transaction must roll back whole (no
 * savepoint: two round trips less per chunk, and a refusal is rare) and the chunk runs again, staged.
 */
export class DirectSteppedAside extends SiphonError {
  // a SiphonError: the adapters pass it through their transaction helpers unwrapped (a plain Error becomes a QueryError)
  constructor(why = 'a value or row was refused') { super('APPLY_DIRECT_STEPPED_ASIDE', `direct COPY stepped aside: ${why}`); }
}

/**
 * Whether the direct attempt may run for this split (no lineage line looked up here: the caller asks next in the
 * same round trip as the checkpoint, `S.checkpointAndLineage`). Counts down the skip left by a failed attempt.
 */
export async function directPossible(tx: TxContext['next'], tables: NextTables, split: BulkSplit, hint: DirectHint): Promise<boolean> {
  if (hint.skip > 0) { hint.skip--; return false; }
  const names = split.tables.map((t) => t.name);
  if (!names.every((n) => keyEnforced(tables.byName.get(n)!))) return false;
  return !await anyDeferrable(tx, names, hint);
}

/**
 * Writes every change of `split.bulk` directly. When the engine or the encoder refuses one, throws
 * `DirectSteppedAside` (the transaction is then aborted: the caller rolls it back and runs the staged path in a new
 * one). Retryable and non-database errors are thrown as they are.
 */
export async function writeDirect(tx: TxContext['next'], tables: NextTables, split: BulkSplit, hint: DirectHint): Promise<void> {
  try {
    const versions = split.versions.map((v): Row => ({ source_table: v.t, legacy_key: v.k, version: v.v, deleted: { t: 'int', v: '0' }, entity: v.e, entity_key: v.ek, produced: v.p }));
    if ((await tx.copyIn('row_versions', VERSION_COLUMNS, versions, { schema: 'siphon' })).refused.length > 0) throw new DirectSteppedAside();
    for (const b of split.tables) {
      const t = tables.byName.get(b.name)!;
      const res = await tx.copyIn(b.name, b.columns.map((c) => t.columns.get(c)!), b.rows.map((r) => r.row));
      if (res.refused.length > 0) throw new DirectSteppedAside();
    }
  } catch (e) {
    if (!(e instanceof DirectSteppedAside) && (isRetryable(e) || !(e instanceof BackendError || e instanceof ValueError))) throw e;
    hint.skip = hint.skipAfterFailure;
    throw e instanceof DirectSteppedAside ? e : new DirectSteppedAside((e as Error).message);
  }
}
