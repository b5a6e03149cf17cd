/**
 * Which changes of a batch the bulk path may write (pure, no I/O). A backfill chunk's rows arrive as `read` changes of
 * distinct legacy keys at one position (DBLog: all at the chunk's high watermark). For most of them the per-row
 * planner's answer is known without planning: a legacy row next never saw, producing only self-keyed next rows (no
 * lineage line), simply becomes its rows plus one `row_versions` line. The bulk path writes those with COPY and a few
 * set statements; everything else — key changes, deletes, duplicates, rows producing a next row under another
 * key, rows whose column sets differ from their table's — keeps the per-row path, unchanged. The remaining conditions
 * (next already holds a version, a lineage owner, a missing parent) need next and are checked in SQL (bulk-tx.ts).
 */
import type { Row } from '../../values/index.js';
import type { ApplyItem } from '../types.js';
import type { NextTables } from '../next-tables.js';
import type { Prepared } from '../prepare.js';
import { encodeProduced, legacyId, nextId } from '../plan.js';

type Change = Extract<Prepared, { kind: 'change' }>;

/** Below this many changes a batch is cheaper per row (fewer round trips than staging tables and COPY). */
export const BULK_MIN_CHANGES = 64;

/** One `row_versions` line to stage. */
export interface BulkVersion {
  readonly i: number;
  readonly t: string;
  readonly k: string;
  readonly v: string;
  readonly e: string | null;
  readonly ek: string | null;
  readonly p: string;
}

/** The next rows of one table to stage: `i` (the change's index in the batch) and `nk` (next key text) alongside. */
export interface BulkTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: { readonly i: number; readonly nk: string; readonly row: Row }[];
}

export interface BulkSplit {
  /** Changes the bulk path may write, by batch index. */
  readonly bulk: ReadonlyMap<number, Change>;
  readonly versions: readonly BulkVersion[];
  /** Next tables in parent-first order. */
  readonly tables: readonly BulkTable[];
  /** Everything else, in batch order: the per-row path applies them after the bulk part. */
  readonly rest: readonly Prepared[];
}

/**
 * Whether a whole batch is a chunk the bulk path should take: every item a `read` (backfill, re-apply, aspire) at
 * one position, enough of them, and a next engine with COPY. A batch of captured changes never is.
 */
export function bulkCandidate(items: readonly ApplyItem[], copyIn: boolean, minChanges = BULK_MIN_CHANGES): boolean {
  if (!copyIn || items.length === 0 || items.length < minChanges) return false;
  const position = items[0]!.change.position;
  for (const it of items) {
    if (it.change.op !== 'read' || it.change.position !== position || it.origin === 'retry' || it.origin === 'capture') return false;
  }
  return true;
}

/** Soft-delete columns the row does not set are written NULL (as the per-row path: a legacy row that comes back is live). */
function withSoftColumns(row: Row, set: Readonly<Record<string, unknown>> | undefined, columns: ReadonlyMap<string, unknown>): Row {
  if (!set) return row;
  let out: Row | undefined;
  for (const c of Object.keys(set)) if (!(c in row) && columns.has(c)) (out ??= { ...row })[c] = null;
  return out ?? row;
}

export function splitBulk(prepared: readonly Prepared[], tables: NextTables): BulkSplit {
  // a legacy row named twice in the batch, or a next row also claimed by a row that is not self-keyed: those changes
  // keep the per-row path (order, conflicts). Self-keyed rows of distinct legacy rows cannot collide among themselves
  // (same mapping, key text = the legacy key text), so only those two sets are needed.
  const legacyIds = new Set<string>();
  const twice = new Set<string>();
  const claimedOtherwise = new Set<string>();
  const selfKeyed = (p: Change, table: string, keyText: string) => tables.selfSource.get(table) === p.mapping.name && keyText === p.legacyKey;
  const see = (id: string) => { if (legacyIds.has(id)) twice.add(id); else legacyIds.add(id); };
  for (const p of prepared) {
    if (p.kind !== 'change') continue;
    see(legacyId(p.mapping.name, p.legacyKey));
    if (p.oldKey !== null) see(legacyId(p.mapping.name, p.oldKey));
    for (const r of p.rows) if (!selfKeyed(p, r.table, r.keyText)) claimedOtherwise.add(nextId(r.table, r.keyText));
  }
  const signature = new Map<string, string>();
  const eligible = (p: Prepared): p is Change => {
    if (p.kind !== 'change' || p.op !== 'upsert' || p.oldKey !== null) return false;
    if (twice.size > 0 && twice.has(legacyId(p.mapping.name, p.legacyKey))) return false;
    for (let j = 0; j < p.rows.length; j++) {
      const r = p.rows[j]!;
      // self-keyed only: a row under another key needs a lineage line and the owner checks of the planner
      if (!selfKeyed(p, r.table, r.keyText)) return false;
      // two rows of one legacy row in one table would share the key
      for (let k = 0; k < j; k++) if (p.rows[k]!.table === r.table) return false;
      if (claimedOtherwise.size > 0 && claimedOtherwise.has(nextId(r.table, r.keyText))) return false;
      const sig = Object.keys(r.row).join('\u0000');
      const known = signature.get(r.table);
      if (known === undefined) signature.set(r.table, sig);
      else if (known !== sig) return false;
    }
    return true;
  };
  const bulk = new Map<number, Change>();
  const rest: Prepared[] = [];
  const versions: BulkVersion[] = [];
  const byTable = new Map<string, BulkTable>();
  for (const p of prepared) {
    if (!eligible(p)) { rest.push(p); continue; }
    bulk.set(p.index, p);
    versions.push({ i: p.index, t: p.mapping.name, k: p.legacyKey, v: p.version, e: p.mapping.entity ?? null, ek: p.entityKey, p: encodeProduced(p.rows) });
    for (const r of p.rows) {
      let t = byTable.get(r.table);
      if (!t) byTable.set(r.table, t = { name: r.table, columns: Object.keys(r.row), rows: [] });
      t.rows.push({ i: p.index, nk: r.keyText, row: withSoftColumns(r.row, p.mapping.onDelete?.set, tables.byName.get(r.table)!.columns) });
    }
  }
  // soft-delete columns added above extend the staged column set of their table
  for (const t of byTable.values()) {
    const cols = new Set(t.columns);
    for (const r of t.rows) for (const c of Object.keys(r.row)) cols.add(c);
    (t as { columns: readonly string[] }).columns = [...cols];
  }
  const order = tables.order.filter((n) => byTable.has(n)).map((n) => byTable.get(n)!);
  return { bulk, versions, tables: order, rest };
}
