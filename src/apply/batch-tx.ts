/**
 * One batch, one next transaction: read the stored versions and owners of what the batch touches, plan (CAS), park
 * children whose parent is absent, then write — deletes child-first, rows parent-first, lineage, versions, parked
 * changes, the checkpoint — and finally the quarantine entries (before COMMIT: a crash after them redelivers the batch
 * and the state store counts one more attempt, never loses one). One statement per table and kind, not per row.
 */
import type { Database, ForeignKeyInfo, SqlParam, UpsertWrite } from '../backends/types.js';
import type { QuarantineInput, StateStore } from '../state/types.js';
import type { Row, Value } from '../values/index.js';
import { fromPlain, keyToText, ValueError } from '../values/index.js';
import { changeKeyText } from '../log/change.js';
import { encodeRecord } from '../log/codec.js';
import type { NextTables } from './next-tables.js';
import { legacyKeyOf, type ApplyReason, type NextRow, type Prepared } from './prepare.js';
import { decodeProduced, encodeProduced, legacyId, nextId, planBatch, revert, type KeyState, type Outcome, type ProducedRef, type StoredRow } from './plan.js';
import type { SiphonSql } from './siphon-tables.js';
import { ApplyCheckpointConflictError } from './errors.js';

/** A parked change, as read back for a re-drive. */
export interface ParkedRow {
  readonly sourceTable: string;
  readonly legacyKey: string;
  readonly version: string;
  readonly change: string;
  readonly origin: string;
}

export interface TxInput {
  readonly prepared: readonly Prepared[];
  readonly checkpoint?: { readonly consumer: string; readonly expected: string | null; readonly next: string | null };
  /** Write the checkpoint (only the last part of a bisected batch does; the others only check it). */
  readonly writeCheckpoint: boolean;
  /** Parked changes these items re-drive: their parked lines are removed in this transaction. */
  readonly parkedRefs: ReadonlyMap<number, { readonly st: string; readonly lk: string; readonly v: string }>;
  /** Whether siphon's parked table may hold rows (skips the re-drive query when nothing ever waited). */
  readonly parkedMaybe: boolean;
}

export interface TxCounts { written: number; deleted: number }

export interface TxOutput {
  readonly outcomes: Map<number, { outcome: Outcome; reason?: ApplyReason }>;
  /** Next rows written / deleted, per legacy table. */
  readonly counts: Map<string, TxCounts>;
  readonly states: ReadonlyMap<string, KeyState>;
  readonly redrive: readonly ParkedRow[];
  readonly parkedAny: boolean;
}

export interface TxContext {
  readonly next: Database;
  readonly sql: SiphonSql;
  readonly tables: NextTables;
  readonly state: StateStore;
}

const num = (v: Value | undefined): number => (v !== null && typeof v === 'object' && 'v' in v ? Number(v.v) : Number(v));
const str = (v: Value | undefined): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String((v as { v: unknown }).v));

/** The quarantine entry of a change: kept whole (the change as the log encodes it), with its stage and reasons. */
export function quarantineEntry(p: Prepared, reason: ApplyReason, messages: readonly string[]): QuarantineInput {
  const c = p.item.change;
  return {
    sourceTable: c.table, key: p.kind === 'change' ? p.legacyKey : legacyKeyOf(p.mapping, c) ?? changeKeyText(c), reasonCode: reason,
    message: messages.join('; ').slice(0, 4000),
    payload: { change: JSON.parse(encodeRecord(c)), origin: p.item.origin, reasons: [...messages] },
  };
}

const parentKey = (fk: ForeignKeyInfo, values: readonly Value[]) => `${fk.refColumns.join(',')}=${keyToText(values)}`;

export async function runBatchTx(ctx: TxContext, input: TxInput): Promise<TxOutput> {
  const t0 = performance.now();
  let t1 = 0, t2 = 0;
  const out = await ctx.next.transaction(async (tx) => { t1 = performance.now(); try { return await batchInTx(ctx, tx, input); } finally { t2 = performance.now(); } });
  PROFILE.set('tx.begin', (PROFILE.get('tx.begin') ?? 0) + t1 - t0);
  PROFILE.set('tx.count', (PROFILE.get('tx.count') ?? 0) + 1);
  PROFILE.set('tx.body', (PROFILE.get('tx.body') ?? 0) + t2 - t1);
  PROFILE.set('tx.commit', (PROFILE.get('tx.commit') ?? 0) + performance.now() - t2);
  return out;
}

export const PROFILE = new Map<string, number>();
const prof = process.env.SIPHON_APPLY_PROFILE === '1';
function timed(db: Database): Database {
  if (!prof) return db;
  const wrap = <F extends (...a: never[]) => Promise<unknown>>(name: string, f: F) => (async (...a: Parameters<F>) => {
    const t = performance.now();
    try { return await f(...a); } finally {
      const key = name === 'query' ? `query ${String(a[0]).replace(/\s+/g, ' ').slice(0, 60)}` : name === 'upsertWith' ? 'upsertWith (rows + writeAll)' : `${name} ${String(a[0])}`;
      PROFILE.set(key, (PROFILE.get(key) ?? 0) + performance.now() - t);
    }
  }) as unknown as F;
  return new Proxy(db, { get: (o, k) => (k === 'query' || k === 'upsert' || (k === 'upsertWith' && o.upsertWith) || k === 'deleteByKeys' || k === 'readByKeys') ? wrap(String(k), (o as never as Record<string, (...a: never[]) => Promise<unknown>>)[k as string]!.bind(o)) : (o as never as Record<string | symbol, unknown>)[k] });
}

async function batchInTx(ctx: TxContext, txRaw: Database, input: TxInput): Promise<TxOutput> {
  const tx = timed(txRaw);
  const { sql, tables } = ctx;
  const cp = input.checkpoint;
  const changes = input.prepared.filter((p): p is Extract<Prepared, { kind: 'change' }> => p.kind === 'change');

  // 1. the checkpoint, stored versions and lineage owners of everything the batch touches
  const ids = new Map<string, { t: string; k: string }>();
  for (const p of changes) {
    ids.set(legacyId(p.mapping.name, p.legacyKey), { t: p.mapping.name, k: p.legacyKey });
    if (p.oldKey !== null) ids.set(legacyId(p.mapping.name, p.oldKey), { t: p.mapping.name, k: p.oldKey });
  }
  const claims = new Map<string, { t: string; k: string }>();
  for (const p of changes) {
    for (const r of p.rows) {
      claims.set(nextId(r.table, r.keyText), { t: r.table, k: r.keyText });
      // a self-keyed row has no lineage line: its implied owner's stored `produced` says whether it holds the row
      const self = tables.selfSource.get(r.table);
      if (self !== undefined && !(self === p.mapping.name && r.keyText === p.legacyKey)) ids.set(legacyId(self, r.keyText), { t: self, k: r.keyText });
    }
  }
  const inLineage = new Set<string>();
  // claims whose lineage line was looked up: for the others, whether a line exists is not known
  let lookedUp: ReadonlySet<string> = new Set(claims.keys());
  const stored = new Map<string, StoredRow>();
  const owners = new Map<string, string>();
  const addStored = (t: string, k: string, version: string, deleted: boolean, produced: string, entityKey: Value | undefined) =>
    stored.set(legacyId(t, k), { version, deleted, produced: decodeProduced(produced), entityKey: entityKey === null || entityKey === undefined ? null : str(entityKey) });
  let actual: string | null = null;
  if (sql.readAll) {
    // PostgreSQL: one round trip
    for (const r of await tx.query(sql.readAll, [JSON.stringify([...ids.values()]), JSON.stringify([...claims.values()]), cp?.consumer ?? ''])) {
      if (r.kind === 'v') addStored(str(r.a), str(r.b), str(r.c), str(r.d) === '1', str(r.e), r.f);
      else if (r.kind === 'o') { owners.set(nextId(str(r.a), str(r.b)), legacyId(str(r.c), str(r.d))); inLineage.add(nextId(str(r.a), str(r.b))); }
      else actual = r.a === null ? null : str(r.a);
    }
  } else {
    if (cp) { const rows = await tx.query(sql.selectCheckpoint, [cp.consumer]); actual = rows.length === 0 ? null : (rows[0]!.position as string | null); }
    if (ids.size > 0) {
      for (const r of await tx.query(sql.selectVersions, [JSON.stringify([...ids.values()])])) addStored(str(r.source_table), str(r.legacy_key), str(r.version), num(r.deleted) === 1, str(r.produced), r.entity_key);
    }
    // a next key already produced by the same legacy row needs no lookup
    for (const st of stored.values()) for (const r of st.produced) claims.delete(nextId(r.table, r.keyText));
    lookedUp = new Set(claims.keys());
    if (claims.size > 0) {
      for (const r of await tx.query(sql.selectOwners, [JSON.stringify([...claims.values()])])) {
        owners.set(nextId(str(r.next_table), str(r.next_key)), legacyId(str(r.source_table), str(r.legacy_key)));
        inLineage.add(nextId(str(r.next_table), str(r.next_key)));
      }
    }
  }
  if (cp && actual !== cp.expected) throw new ApplyCheckpointConflictError(cp.consumer, cp.expected, actual);
  // what a legacy row's stored `produced` lists, it owns: this covers self-keyed rows (no lineage line) and implied
  // owners read above for the claims of other legacy rows
  for (const [id, st] of stored) for (const r of st.produced) owners.set(nextId(r.table, r.keyText), id);

  // 2. plan (compare-and-set, lineage, conflicts)
  const tp = performance.now();
  const plan = planBatch(input.prepared, stored, owners);
  PROFILE.set('plan', (PROFILE.get('plan') ?? 0) + performance.now() - tp);
  const outcomes = new Map<number, { outcome: Outcome; reason?: ApplyReason }>();
  for (const p of input.prepared) outcomes.set(p.index, p.kind === 'quarantine' ? { outcome: 'quarantined', reason: p.reason } : { outcome: plan.outcomes.get(p.index) ?? 'stale' });
  const quarantine: QuarantineInput[] = [];
  const byIndex = new Map(input.prepared.map((p) => [p.index, p]));
  for (const p of input.prepared) if (p.kind === 'quarantine') quarantine.push(quarantineEntry(p, p.reason, p.messages));
  for (const c of plan.conflicts) {
    outcomes.set(c.index, { outcome: 'quarantined', reason: 'next-key-conflict' });
    quarantine.push(quarantineEntry(byIndex.get(c.index)!, 'next-key-conflict', [c.message]));
  }

  // 3. children whose parent is neither in next nor written by this batch wait (parked), until a fixpoint
  const parked: { st: string; lk: string; v: string; pt: string; pk: string; c: string; o: string }[] = [];
  await parkOrphans(tx, tables, plan.states, (s, fk, values) => {
    const p = byIndex.get(s.last)!;
    const pk = parentKey(fk, values);
    parked.push({ st: s.sourceTable, lk: s.legacyKey, v: s.current!.version, pt: fk.refTable, pk, c: encodeRecord(p.item.change), o: p.item.origin });
    const msg = `waits for its parent: ${fk.refTable} (${fk.refColumns.join(', ')}) = ${keyToText(values)} is not in next (foreign key ${fk.name})`;
    quarantine.push(quarantineEntry(p, 'missing-parent', [msg]));
    for (const i of s.applied) outcomes.set(i, { outcome: 'stale' });
    outcomes.set(s.last, { outcome: 'waiting', reason: 'missing-parent' });
    revert(s);
  });

  // 4. the net effect
  const counts = new Map<string, TxCounts>();
  const count = (t: string) => { let c = counts.get(t); if (!c) counts.set(t, c = { written: 0, deleted: 0 }); return c; };
  const writes = new Map<string, Map<string, Row>>();
  const softSets: { table: string; ref: ProducedRef; set: Row }[] = [];
  const removed = new Map<string, { ref: ProducedRef; owner: KeyState }>();
  const lineageNew: { t: string; k: string; st: string; lk: string }[] = [];
  const lineageStale: { t: string; k: string }[] = [];
  const versions: { t: string; k: string; v: string; d: number; e: string | null; ek: string | null; p: string }[] = [];
  for (const s of plan.states.values()) {
    if (s.last < 0 || s.current === null) continue;
    const mapping = (byIndex.get(s.last) as Extract<Prepared, { kind: 'change' }>).mapping;
    const finalIds = new Set(s.current.produced.map((r) => nextId(r.table, r.keyText)));
    const initialIds = new Set((s.initial?.produced ?? []).map((r) => nextId(r.table, r.keyText)));
    for (const r of s.initial?.produced ?? []) if (!finalIds.has(nextId(r.table, r.keyText))) removed.set(nextId(r.table, r.keyText), { ref: r, owner: s });
    for (const r of s.current.produced) {
      const id = nextId(r.table, r.keyText);
      if (initialIds.has(id)) continue;
      if (tables.selfSource.get(r.table) !== s.sourceTable || r.keyText !== s.legacyKey) lineageNew.push({ t: r.table, k: r.keyText, st: s.sourceTable, lk: s.legacyKey });
      // a line left by a previous owner that was not self-keyed (freed in this batch, or before) goes
      else if (inLineage.has(id) || !lookedUp.has(id)) lineageStale.push({ t: r.table, k: r.keyText });
    }
    for (const r of s.rows) {
      let m = writes.get(r.table);
      if (!m) writes.set(r.table, m = new Map());
      m.set(r.keyText, withSoftColumns(r, mapping.onDelete?.set, tables));
      count(s.sourceTable).written++;
    }
    if (s.softDelete) {
      for (const ref of s.current.produced) softSets.push({ table: ref.table, ref, set: softValues(mapping.onDelete!.set, ref.table, tables, byIndex.get(s.last)!.item.change.at) });
    }
    versions.push({ t: s.sourceTable, k: s.legacyKey, v: s.current.version, d: s.current.deleted ? 1 : 0, e: s.entity, ek: s.current.entityKey, p: encodeProduced(s.current.produced) });
  }
  // a next row freed by one legacy row and written by another in the same batch is written, not deleted
  for (const [id, r] of removed) if (writes.get(r.ref.table)?.has(r.ref.keyText)) removed.delete(id);

  // 5. write: deletes child-first, soft deletes, rows parent-first, then Siphon's tables
  const rankDesc = [...tables.order].reverse();
  for (const t of rankDesc) {
    const keys = [...removed.values()].filter((r) => r.ref.table === t);
    if (keys.length === 0) continue;
    await tx.deleteByKeys(t, tables.byName.get(t)!.key, keys.map((r) => r.ref.key));
    for (const r of keys) count(r.owner.sourceTable).deleted++;
  }
  for (const s of softSets) {
    const t = tables.byName.get(s.table)!;
    const cols = Object.keys(s.set);
    const params: SqlParam[] = [...cols.map((c) => s.set[c]!), ...s.ref.key];
    await tx.query(`UPDATE ${tx.quoteIdent(t.name)} SET ${cols.map((c) => `${tx.quoteIdent(c)} = ?`).join(', ')} WHERE ${t.key.map((k) => `${tx.quoteIdent(k)} = ?`).join(' AND ')}`, params);
  }
  const upserts: UpsertWrite[] = [];
  for (const t of tables.order) {
    const rows = writes.get(t);
    if (rows && rows.size > 0) upserts.push({ table: t, key: tables.byName.get(t)!.key, rows: [...rows.values()] });
  }
  const upsertEach = async () => { for (const u of upserts) await tx.upsert(u.table, u.key, u.rows); };
  const removedKeys = [...removed.values()].map((r) => ({ t: r.ref.table, k: r.ref.keyText })).concat(lineageStale);
  if (sql.writeAll) {
    const write = cp !== undefined && input.writeCheckpoint;
    const params = [JSON.stringify(removedKeys), JSON.stringify(lineageNew), JSON.stringify(versions), cp?.consumer ?? '', cp?.next ?? null, write ? 'yes' : 'no', cp?.expected ?? null];
    // the rows, the versions, lineage and the checkpoint in ONE statement (PostgreSQL: the upserts become CTEs of
    // writeAll; foreign keys are checked at its end, so parent-first order within it does not matter): one round
    // trip per batch instead of one per next table plus one — under load a round trip waits for a core
    const r = tx.upsertWith ? await tx.upsertWith(upserts, sql.writeAll, params) : (await upsertEach(), await tx.query(sql.writeAll, params));
    if (write && num(r[0]?.moved) !== 1) {
      const now = await tx.query(sql.selectCheckpoint.replace(' FOR UPDATE', ''), [cp.consumer]);
      throw new ApplyCheckpointConflictError(cp.consumer, cp.expected, now.length === 0 ? null : (now[0]!.position as string | null));
    }
  } else {
    await upsertEach();
    if (removedKeys.length > 0) await tx.query(sql.deleteOwners, [JSON.stringify(removedKeys)]);
    if (lineageNew.length > 0) await tx.query(sql.upsertOwners, [JSON.stringify(lineageNew)]);
    if (versions.length > 0) await tx.query(sql.upsertVersions, [JSON.stringify(versions)]);
    if (cp && input.writeCheckpoint) await tx.query(sql.upsertCheckpoint, [cp.consumer, cp.next]);
  }
  if (input.parkedRefs.size > 0) await tx.query(sql.deleteParked, [JSON.stringify([...input.parkedRefs.values()])]);
  if (parked.length > 0) await tx.query(sql.upsertParked, [JSON.stringify(parked)]);
  let redrive: ParkedRow[] = [];
  if ((input.parkedMaybe || parked.length > 0) && writes.size > 0) redrive = await findRedrivable(tx, ctx, writes);
  const tq = performance.now();
  if (quarantine.length > 0) await ctx.state.addQuarantine(quarantine);
  PROFILE.set('quarantine', (PROFILE.get('quarantine') ?? 0) + performance.now() - tq);
  return { outcomes, counts, states: plan.states, redrive, parkedAny: parked.length > 0 };
}

/** Rows written by to() get NULL in the soft-delete columns unless to() gave them: a legacy row that comes back is live again. */
function withSoftColumns(r: NextRow, set: Readonly<Record<string, unknown>> | undefined, tables: NextTables): Row {
  if (!set) return r.row;
  const t = tables.byName.get(r.table)!;
  let out: Row | undefined;
  for (const c of Object.keys(set)) if (!(c in r.row) && t.columns.has(c)) (out ??= { ...r.row })[c] = null;
  return out ?? r.row;
}

function softValues(set: Readonly<Record<string, unknown>>, table: string, tables: NextTables, at: string): Row {
  const t = tables.byName.get(table)!;
  const out: Row = {};
  for (const [c, v] of Object.entries(set)) {
    const col = t.columns.get(c);
    if (!col) throw new ValueError('type-mismatch', `onDelete.set: next table ${table} has no column ${c}`, { type: 'unknown' });
    out[c] = fromPlain(typeof v === 'function' ? (v as (at: string) => unknown)(at) : v, col.type);
  }
  return out;
}

async function parkOrphans(tx: Database, tables: NextTables, states: ReadonlyMap<string, KeyState>, park: (s: KeyState, fk: ForeignKeyInfo, values: readonly Value[]) => void): Promise<void> {
  if (![...tables.byName.values()].some((t) => t.parents.length > 0)) return;
  const inNext = new Map<string, boolean>();
  for (let round = 0; round < 100; round++) {
    // parent tuples written by this batch, per (table, ref columns)
    const written = new Set<string>();
    for (const s of states.values()) {
      for (const r of s.rows) {
        for (const t of tables.byName.values()) for (const fk of t.parents) {
          if (fk.refTable === r.table) written.add(`${fk.refTable}\u0000${parentKey(fk, fk.refColumns.map((c) => r.row[c] ?? null))}`);
        }
      }
    }
    const need: { s: KeyState; fk: ForeignKeyInfo; values: Value[]; id: string }[] = [];
    for (const s of states.values()) {
      for (const r of s.rows) {
        for (const fk of tables.byName.get(r.table)!.parents) {
          const values = fk.columns.map((c) => r.row[c] ?? null);
          if (values.some((v) => v === null)) continue; // MATCH SIMPLE: a NULL column means no reference
          const id = `${fk.refTable}\u0000${parentKey(fk, values)}`;
          if (!written.has(id)) need.push({ s, fk, values, id });
        }
      }
    }
    const unknown = need.filter((n) => !inNext.has(n.id));
    const groups = new Map<string, typeof unknown>();
    for (const n of unknown) { const g = `${n.fk.refTable}\u0000${n.fk.refColumns.join(',')}`; const l = groups.get(g) ?? []; l.push(n); groups.set(g, l); }
    for (const g of groups.values()) {
      const fk = g[0]!.fk;
      const found = await tx.readByKeys(fk.refTable, fk.refColumns, g.map((n) => n.values));
      const present = new Set(found.map((row) => `${fk.refTable}\u0000${parentKey(fk, fk.refColumns.map((c) => row[c] ?? null))}`));
      for (const n of g) inNext.set(n.id, present.has(n.id));
    }
    let changed = false;
    for (const n of need) {
      if (inNext.get(n.id) || n.s.last < 0) continue;
      park(n.s, n.fk, n.values);
      changed = true;
    }
    if (!changed) return;
  }
}

/** Parked changes whose parent row is among `writes` (next table → next key text → row): re-driven after commit. */
export async function findRedrivable(tx: Database, ctx: TxContext, writes: ReadonlyMap<string, ReadonlyMap<string, Row>>): Promise<ParkedRow[]> {
  const keys: { t: string; k: string }[] = [];
  for (const t of ctx.tables.byName.values()) {
    for (const fk of t.parents) {
      for (const row of writes.get(fk.refTable)?.values() ?? []) keys.push({ t: fk.refTable, k: parentKey(fk, fk.refColumns.map((c) => row[c] ?? null)) });
    }
  }
  if (keys.length === 0) return [];
  const rows = await tx.query(ctx.sql.selectParkedByParent, [JSON.stringify(keys)]);
  return rows.map((r) => ({ sourceTable: str(r.source_table), legacyKey: str(r.legacy_key), version: str(r.version), change: str(r.change), origin: str(r.origin) }));
}
