import type { Database, Dialect, TableInfo } from '../backends/types.js';
import { BackendError } from '../backends/errors.js';
import { rowToPlain, toPlain } from '../values/plain.js';
import type { Row } from '../values/value.js';
import { keyToText, rowEquals } from '../values/compare.js';
import { mapRow, type MapFailure, type MapStage } from './map-row.js';
import { duplicateKeyFailure, isDeclaredUnique, unkeyableRows } from './row-keys.js';
import type { CleanNotice, ResolvedConfig, ResolvedTable } from './types.js';

export interface SampleFailureGroup {
  readonly reason: string;
  readonly stage: MapStage;
  /** Rows failing for this reason (a row may fail for several reasons). */
  readonly count: number;
  /** A few keys of failing rows, as `COL=value` text: keys only, never other column values. */
  readonly exampleKeys: readonly string[];
}

export interface TableSample {
  readonly table: string;
  readonly read: number;
  readonly clean: number;
  /** clean / read, 0..1 (1 when nothing was read). */
  readonly share: number;
  /** Rows produced per next table by the clean rows. */
  readonly produced: Readonly<Record<string, number>>;
  readonly failures: readonly SampleFailureGroup[];
  /** Values that migrate, but were cleaned by a rule rather than by their content (ambiguous local times...). */
  readonly notices: readonly SampleNoticeGroup[];
}

export interface SampleNoticeGroup {
  readonly kind: string;
  readonly column: string;
  readonly message: string;
  readonly count: number;
  readonly exampleKeys: readonly string[];
}

/** What the sample judges against besides the next tables: the write engine, next keys, the legacy table. */
export interface SampleContext {
  readonly nextDialect?: Dialect;
  readonly nextKeys?: Readonly<Record<string, readonly string[]>>;
  /** The legacy table: BIT columns by meaning, and whether the mapping's key is declared unique. */
  readonly legacyInfo?: TableInfo;
}

const EXAMPLES = 3;

function keyText(row: Row, key: readonly string[]): string {
  return key.map((k) => {
    const v = toPlain(row[k] ?? null);
    return `${k}=${typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`;
  }).join(',');
}

/**
 * Dry run of data compatibility: reads the first `limit` legacy rows of one table in key order (keyset streaming,
 * memory bounded by one batch) and maps each one (mapRow), counting the share that maps, validates and fits next's
 * columns as the write will judge them, grouping failures by reason with a few example keys. Rows that cannot be
 * keyed (a NULL in the key, a key shared by several rows when it is not declared unique) fail too.
 */
export async function sampleTable(
  legacy: Database, config: ResolvedConfig, table: ResolvedTable, limit: number,
  nextTables: Readonly<Record<string, TableInfo>>, onRow?: () => void, more: SampleContext = {},
): Promise<TableSample> {
  let read = 0, clean = 0;
  const produced: Record<string, number> = {};
  const groups = new Map<string, { stage: MapStage; count: number; exampleKeys: string[] }>();
  const notices = new Map<string, { kind: string; column: string; message: string; count: number; exampleKeys: string[] }>();
  let current: Row | undefined;
  const notice = (n: CleanNotice) => {
    const k = `${n.kind}\u0000${n.column}`;
    const g = notices.get(k) ?? { kind: n.kind, column: n.column, message: n.message, count: 0, exampleKeys: [] };
    g.count++;
    if (current && g.exampleKeys.length < EXAMPLES) g.exampleKeys.push(keyText(current, table.key));
    notices.set(k, g);
  };
  const ctx = {
    ...(config.legacy.timezone ? { timezone: config.legacy.timezone } : {}), nextTables, notice,
    ...(more.nextDialect ? { nextDialect: more.nextDialect } : {}),
    ...(more.nextKeys ? { nextKeys: more.nextKeys } : {}),
    ...(more.legacyInfo ? { legacy: more.legacyInfo } : {}),
  };
  const fail = (f: MapFailure, example: string) => {
    const g = groups.get(f.reason) ?? { stage: f.stage, count: 0, exampleKeys: [] };
    g.count++;
    if (g.exampleKeys.length < EXAMPLES && !g.exampleKeys.includes(example)) g.exampleKeys.push(example);
    groups.set(f.reason, g);
  };
  // two legacy rows giving the same next key with different values would overwrite each other on write (one survives):
  // both fail. Memory: one entry per next row produced, bounded by the sample size.
  const nextRows = new Map<string, { row: Row; legacy: string; flipped: boolean }>();
  const nextCollision = (values: Readonly<Record<string, readonly Row[]>> | undefined, legacyKey: string): { failure: MapFailure; first?: string } | undefined => {
    for (const [t, rows] of Object.entries(values ?? {})) {
      const key = more.nextKeys?.[t];
      if (!key || key.length === 0) continue;
      for (const r of rows) {
        const k = `${t}\u0000${keyToText(key.map((c) => r[c] ?? null))}`;
        const seen = nextRows.get(k);
        if (!seen) { nextRows.set(k, { row: r, legacy: legacyKey, flipped: false }); continue; }
        if (rowEquals(seen.row, r)) continue; // the same next row again (a lookup table fed by many rows): no conflict
        const failure: MapFailure = { stage: 'key', reason: `next key (${key.join(', ')}) of ${t}: produced with different values by several legacy rows; they would overwrite each other` };
        const first = seen.flipped ? undefined : seen.legacy;
        seen.flipped = true;
        return first !== undefined ? { failure, first } : { failure };
      }
    }
    return undefined;
  };
  // keyset reading continues *after* the last key of a batch: rows sharing that key beyond the batch would be skipped
  // silently, so when the key is not declared unique the rows with that key are counted at each batch boundary
  const mayRepeat = more.legacyInfo ? !isDeclaredUnique(more.legacyInfo, table.key) : true;
  const batchSize = Math.min(limit, 1000);
  try {
    if (limit > 0) {
      outer: for await (const batch of legacy.streamRows({ table: table.name, key: table.key, batchSize })) {
        const unkeyable = unkeyableRows(batch, table.key);
        let skipped = 0;
        const last = batch[batch.length - 1]!;
        if (mayRepeat && batch.length === batchSize && !table.key.some((k) => (last[k] ?? null) === null)) {
          const lastText = keyToText(table.key.map((k) => last[k] ?? null));
          const sameKey = (r: Row) => keyToText(table.key.map((k) => r[k] ?? null)) === lastText;
          const same = (await legacy.readByKeys(table.name, table.key, [table.key.map((k) => last[k] ?? null)])).length;
          const inBatch = batch.filter(sameKey).length;
          if (same > 1) batch.forEach((r, i) => { if (sameKey(r)) unkeyable.set(i, duplicateKeyFailure(table.key)); });
          skipped = Math.max(0, same - inBatch);
        }
        for (let i = 0; i < batch.length; i++) {
          const row = batch[i]!;
          read++;
          current = row;
          const keyFailure = unkeyable.get(i);
          const result = mapRow(table, rowToPlain(row), ctx);
          const example = keyText(row, table.key);
          const collision = result.ok && !keyFailure ? nextCollision(result.values, example) : undefined;
          if (result.ok && !keyFailure && !collision) {
            clean++;
            for (const [t, rows] of Object.entries(result.rows)) produced[t] = (produced[t] ?? 0) + rows.length;
          } else if (collision) {
            fail(collision.failure, example);
            // the legacy row that first produced this next row was counted clean: it fails too
            if (collision.first !== undefined) { clean--; fail(collision.failure, collision.first); }
          } else {
            if (keyFailure) fail(keyFailure, example);
            if (!result.ok) for (const f of result.failures) fail(f, example);
          }
          onRow?.();
          if (read >= limit) break outer;
        }
        // the rows of the repeated key that the keyset reading steps over: read, and failed for the same reason
        for (let i = 0; i < skipped && read < limit; i++) { read++; fail(duplicateKeyFailure(table.key), keyText(last, table.key)); onRow?.(); }
        if (read >= limit) break;
      }
    }
  } catch (e) {
    if (!(e instanceof BackendError && e.code === 'BACKEND_NULL_KEY')) throw e;
    // more NULL keys than one batch: keyset reading cannot go past them
    read++;
    fail({ stage: 'key', reason: `key (${table.key.join(', ')}): more rows with a NULL key than one batch; the sample stopped there (${e.message})` }, '(NULL key)');
  }
  const failures = [...groups.entries()]
    .map(([reason, g]) => ({ reason, stage: g.stage, count: g.count, exampleKeys: g.exampleKeys }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return {
    table: table.name, read, clean, share: read === 0 ? 1 : clean / read, produced, failures,
    notices: [...notices.values()].sort((a, b) => b.count - a.count || a.column.localeCompare(b.column)),
  };
}
