import type { Database } from '../../src/backends/types.js';
import type { CaptureSource } from '../../src/capture/types.js';
import { logSink } from '../../src/capture/sink.js';
import type { RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { int, type Row, type Value, valueEquals } from '../../src/values/index.js';
import { freshSqliteLog, readAll, waitFor } from '../capture/helpers.js';
import type { FidelityTable } from './fixture.js';

/** Same value, strictly: -0 is not 0 (PostgreSQL and SQLite keep the sign), NaN equals NaN. */
export function sameValue(a: Value, b: Value): boolean {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && a.t === 'float' && b.t === 'float') {
    return Object.is(a.v, b.v) || (Number.isNaN(a.v) && Number.isNaN(b.v));
  }
  return valueEquals(a, b);
}

const show = (v: Value | undefined): string => (v === undefined ? 'missing'
  : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? String(Object.is(x, -0) ? '-0' : x) : x)).slice(0, 160));

/** Every column of `selected` compared with `captured`: one line per value that differs. */
export function rowMismatches(where: string, selected: Row | undefined, captured: Row | null | undefined): string[] {
  if (!selected) return [`${where}: SELECT found no row`];
  if (!captured) return [`${where}: no captured image`];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(selected), ...Object.keys(captured)])) {
    if (!(k in selected) || !(k in captured) || !sameValue(selected[k]!, captured[k]!)) {
      out.push(`${where} column ${k}: SELECT ${show(selected[k])} captured ${show(captured[k])}`);
    }
  }
  return out;
}

export interface MethodRun { readonly method: string; readonly source: CaptureSource; readonly log: EventLog; readonly drop: () => Promise<void> }

/** Start a capture method into its own SQLite log. */
export async function startMethod(method: string, source: CaptureSource): Promise<MethodRun> {
  const { log, drop } = await freshSqliteLog();
  await source.start(logSink(log, source.source));
  return { method, source, log, drop };
}

/**
 * Insert every fixture row, read them by SELECT; change every key (UPDATE id = id + 100), read again; delete them.
 * Then each method's log must hold, per row: insert (after = first SELECT), update (before = first SELECT, after =
 * second SELECT, old key = the first id) and delete (before = second SELECT). Returns every disagreement.
 */
export async function runFidelity(db: Database, fixture: FidelityTable, write: (sql: string) => Promise<void>, runs: readonly MethodRun[]): Promise<string[]> {
  const t = fixture.table;
  const ids = fixture.rows.map((r) => r.id);
  for (const sql of fixture.inserts) await write(sql);
  const first = await db.readByKeys(t, ['id'], ids.map((i) => [int(i)]));
  await write(`UPDATE ${db.quoteIdent(t)} SET ${db.quoteIdent('id')} = ${db.quoteIdent('id')} + 100`);
  const second = await db.readByKeys(t, ['id'], ids.map((i) => [int(i + 100)]));
  await write(`DELETE FROM ${db.quoteIdent(t)}`);
  const byId = (rows: Row[], id: number) => rows.find((r) => valueEquals(r['id'] ?? null, int(id)));
  const out: string[] = [];
  for (const run of runs) {
    const expected = ids.length * 3;
    const entries = await waitFor(() => readAll(run.log), (e) => e.filter((x) => x.record.kind === 'change' && x.record.table === t).length >= expected, `${run.method}: ${expected} changes`, 60_000);
    const changes = entries.map((e) => e.record).filter((r): r is RowChange => r.kind === 'change' && r.table === t);
    const key = (c: RowChange) => Number((c.key['id'] as { v: string }).v);
    for (const id of ids) {
      const ins = changes.find((c) => c.op === 'insert' && key(c) === id);
      const upd = changes.find((c) => c.op === 'update' && key(c) === id + 100);
      const del = changes.find((c) => c.op === 'delete' && key(c) === id + 100);
      const row = fixture.rows.find((r) => r.id === id)!;
      const w = (what: string) => `${run.method} row ${id} (${row.label}) ${what}`;
      out.push(...rowMismatches(w('insert after'), byId(first, id), ins?.after));
      out.push(...rowMismatches(w('update before'), byId(first, id), upd?.before));
      out.push(...rowMismatches(w('update after'), byId(second, id + 100), upd?.after));
      out.push(...rowMismatches(w('delete before'), byId(second, id + 100), del?.before));
      if (upd && !(upd.oldKey && sameValue(upd.oldKey['id'] ?? null, int(id)))) out.push(`${w('update')}: old key ${JSON.stringify(upd.oldKey)}, expected id ${id}`);
    }
    if (changes.length !== expected) out.push(`${run.method}: ${changes.length} changes logged, ${expected} expected`);
  }
  return out;
}
