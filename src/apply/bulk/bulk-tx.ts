/**
 * The bulk path of a backfill chunk (PostgreSQL next): one next transaction, like the per-row path's, holding
 *   1. the checkpoint check (compare-and-set, row locked), in the same round trip as the direct attempt's lineage check;
 *   1b. the direct attempt (direct.ts): COPY straight into `row_versions` and the next tables; when it steps aside the
 *      whole transaction rolls back and the chunk runs again, staged, in a new one (rare; no savepoint per chunk);
 *   2. COPY of the changes `splitBulk` let through — their `row_versions` lines and next rows — into temporary
 *      staging tables;
 *   3. one query naming the staged changes the per-row planner must take after all (next holds a version of the
 *      legacy row, a lineage owner, a missing parent), removed from staging;
 *   4. inside a savepoint: one INSERT … SELECT for the versions (new lines only, counted) and one per next table,
 *      parent-first; a statement the engine refuses rolls the savepoint back and every staged change goes per-row,
 *      where bisection isolates the culprit (quarantined with the engine's message, never dropped);
 *   5. the rest through the per-row path on the same transaction (savepoints), which also moves the checkpoint —
 *      or, when there is no rest, the checkpoint moved here.
 * Same compare-and-set rule, same quarantine reasons: the bulk part writes only rows whose per-row plan is known to
 * be "applied, one version line, no lineage line, no deletion" (property-tested against the per-row path).
 */
import { isRetryable } from '../../errors.js';
import { BackendError } from '../../backends/errors.js';
import { ValueError, int } from '../../values/index.js';
import type { Row, Value } from '../../values/index.js';
import { ApplyCheckpointConflictError } from '../errors.js';
import { findRedrivable, type TxContext, type TxOutput } from '../batch-tx.js';
import type { KeyState } from '../plan.js';
import { legacyId } from '../plan.js';
import type { Prepared } from '../prepare.js';
import type { ApplyBatchOptions } from '../types.js';
import { splitBulk, type BulkSplit } from './split.js';
import * as S from './sql.js';
import { directPossible, writeDirect, DirectSteppedAside, type DirectHint } from './direct.js';

type Checkpoint = ApplyBatchOptions['checkpoint'];
/** The per-row path (bisection included) run on the given context: here, the bulk transaction's handle. */
export type PerRow = (ctx: TxContext, prepared: readonly Prepared[], checkpoint: Checkpoint) => Promise<TxOutput[]>;

const bisectable = (e: unknown) => (e instanceof BackendError && !e.retryable) || e instanceof ValueError;
const str = (v: Value | undefined): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String((v as { v: unknown }).v));

/** Changes written by the bulk part, and staged batches the engine refused (all their changes went per row). */
export const BULK_STATS = { written: 0, refusedBatches: 0, perRow: 0, direct: 0, directFailed: 0 };
/** Time per phase, for the bench's profile (SIPHON_APPLY_PROFILE=1). */
export const BULK_PROFILE = new Map<string, number>();
const mark = (k: string, t0: number) => { BULK_PROFILE.set(k, (BULK_PROFILE.get(k) ?? 0) + performance.now() - t0); return performance.now(); };

/**
 * `parkedMaybe`: whether Siphon's parked table may hold changes (else no re-drive lookup). `direct`: the applier's
 * state of the direct attempt (direct.ts); null: staged only.
 */
export async function runBulkTx(ctx: TxContext, prepared: readonly Prepared[], checkpoint: Checkpoint, parkedMaybe: boolean, perRow: PerRow,
  direct: DirectHint | null = null): Promise<TxOutput[]> {
  const t = performance.now();
  const split = splitBulk(prepared, ctx.tables);
  mark('split', t);
  if (direct && split.bulk.size > 0) {
    try {
      return await bulkTx(ctx, split, checkpoint, parkedMaybe, perRow, direct);
    } catch (e) {
      // the direct attempt stepped aside: its transaction rolled back whole (nothing written), the staged path runs
      if (!(e instanceof DirectSteppedAside)) throw e;
      BULK_STATS.directFailed++;
    }
  }
  return bulkTx(ctx, split, checkpoint, parkedMaybe, perRow, null);
}

/** One transaction: checkpoint check, the bulk part (direct when `direct`, else staged), the per-row rest, checkpoint. */
async function bulkTx(ctx: TxContext, split: BulkSplit, checkpoint: Checkpoint, parkedMaybe: boolean, perRow: PerRow, direct: DirectHint | null): Promise<TxOutput[]> {
  return ctx.next.transaction(async (tx) => {
    const txCtx: TxContext = { ...ctx, next: tx };
    let t = performance.now();
    let tryDirect = direct !== null && await directPossible(tx, ctx.tables, split, direct);
    if (checkpoint || tryDirect) {
      // the checkpoint check and the direct attempt's lineage check in one round trip
      const rows = await tx.query(S.checkpointAndLineage, [checkpoint?.consumer ?? '', JSON.stringify(tryDirect ? split.tables.map((b) => b.name) : [])]);
      if (rows.some((r) => r.kind === 'l')) tryDirect = false;
      if (checkpoint) {
        const c = rows.find((r) => r.kind === 'c');
        const actual = c === undefined ? null : c.position === null ? null : str(c.position);
        if (actual !== checkpoint.expected) throw new ApplyCheckpointConflictError(checkpoint.consumer, checkpoint.expected, actual);
      }
    }
    t = mark('check', t);
    const out: TxOutput[] = [];
    let moved = new Set<number>();
    if (tryDirect) {
      await writeDirect(tx, ctx.tables, split, direct!);
      t = mark('direct', t);
      BULK_STATS.direct++;
      BULK_STATS.written += split.versions.length;
      out.push(await output(tx, ctx, split, moved, parkedMaybe));
      mark('output', t);
    } else if (split.bulk.size > 0) moved = await writeBulk(tx, txCtx, split, parkedMaybe, out);
    const rest = [...split.rest, ...[...moved].map((i) => split.bulk.get(i)!)].sort((a, b) => a.index - b.index);
    t = performance.now();
    BULK_STATS.perRow += rest.length;
    if (rest.length > 0) out.push(...await perRow(txCtx, rest, checkpoint));
    else if (checkpoint) {
      const r = await tx.query(S.moveCheckpoint, [checkpoint.consumer, checkpoint.next, checkpoint.expected]);
      if (r.length !== 1) throw new ApplyCheckpointConflictError(checkpoint.consumer, checkpoint.expected, null);
    }
    mark('per-row rest', t);
    return out;
  });
}

/** Stages and writes the bulk part; returns the batch indexes that must take the per-row path instead. */
async function writeBulk(tx: TxContext['next'], ctx: TxContext, split: BulkSplit, parkedMaybe: boolean, out: TxOutput[]): Promise<Set<number>> {
  let t = performance.now();
  const staged = split.tables.map((b) => ({ table: ctx.tables.byName.get(b.name)!, columns: b.columns, bulk: b }));
  await tx.query(S.createStaging(staged));
  const moved = new Set<number>();
  const versions = await tx.copyIn(S.STAGE_VERSIONS, S.VERSION_COLUMNS,
    split.versions.map((v): Row => ({ i: int(v.i), t: v.t, k: v.k, v: v.v, e: v.e, ek: v.ek, p: v.p })));
  for (const r of versions.refused) moved.add(split.versions[r.index]!.i);
  for (const [n, s] of staged.entries()) {
    const res = await tx.copyIn(S.stageRows(n), S.rowColumns(s.table, s.columns), s.bulk.rows.map((r) => ({ _i: int(r.i), _nk: r.nk, ...r.row })));
    // a value next cannot take (too long, out of range...): the per-row path quarantines it with the same reason
    for (const r of res.refused) moved.add(s.bulk.rows[r.index]!.i);
  }
  t = mark('copy', t);
  const outSql = S.selectOut(staged);
  if (outSql) for (const r of await tx.query(outSql, staged.map((s) => s.table.name))) moved.add(Number(str(r.i)));
  const drop = async (ids: Iterable<number>, versionsToo: boolean) => {
    const json = JSON.stringify([...ids]);
    if (versionsToo) await tx.query(S.dropFromStaging(S.STAGE_VERSIONS, 'i'), [json]);
    for (const n of staged.keys()) await tx.query(S.dropFromStaging(S.stageRows(n), '_i'), [json]);
  };
  if (moved.size > 0) await drop(moved, true);
  t = mark('check', t);
  if (moved.size === split.versions.length) return moved;
  try {
    await tx.transaction(async (sp) => {
      // legacy rows next already holds at some version: per row (their staged rows go before the rows are written)
      const held = (await sp.query(S.insertVersions)).map((r) => Number(str(r.i)));
      if (held.length > 0) { for (const i of held) moved.add(i); await drop(held, false); }
      for (const [i, s] of staged.entries()) await sp.query(S.upsertRows(s.table, s.columns, i));
    });
  } catch (e) {
    if (!bisectable(e) || isRetryable(e)) throw e;
    // the engine refused a staged row: every staged change takes the per-row path, which bisects to the culprit
    for (const v of split.versions) moved.add(v.i);
    BULK_STATS.refusedBatches++;
    mark('write', t);
    return moved;
  }
  t = mark('write', t);
  BULK_STATS.written += split.versions.length - moved.size;
  out.push(await output(tx, ctx, split, moved, parkedMaybe));
  mark('output', t);
  return moved;
}

/** The bulk part's result in the per-row path's shape: outcomes, counts, key states (ledger), children to re-drive. */
async function output(tx: TxContext['next'], ctx: TxContext, split: BulkSplit, moved: ReadonlySet<number>, parkedMaybe: boolean): Promise<TxOutput> {
  const outcomes: TxOutput['outcomes'] = new Map();
  const counts: TxOutput['counts'] = new Map();
  const states = new Map<string, KeyState>();
  for (const [i, p] of split.bulk) {
    if (moved.has(i)) continue;
    outcomes.set(i, { outcome: 'applied' });
    let c = counts.get(p.mapping.name);
    if (!c) counts.set(p.mapping.name, c = { written: 0, deleted: 0 });
    c.written += p.rows.length;
    const id = legacyId(p.mapping.name, p.legacyKey);
    states.set(id, {
      id, sourceTable: p.mapping.name, legacyKey: p.legacyKey, entity: p.mapping.entity ?? null, initial: null,
      current: { version: p.version, deleted: false, produced: p.rows.map((r) => ({ table: r.table, key: r.key, keyText: r.keyText })), entityKey: p.entityKey },
      rows: [], softDelete: false, last: i, lastOrigin: p.item.origin, applied: [i],
    });
  }
  let redrive: TxOutput['redrive'] = [];
  if (parkedMaybe) {
    const writes = new Map<string, Map<string, Row>>();
    for (const b of split.tables) {
      const m = new Map<string, Row>();
      for (const r of b.rows) if (!moved.has(r.i)) m.set(r.nk, r.row);
      writes.set(b.name, m);
    }
    redrive = await findRedrivable(tx, ctx, writes);
  }
  return { outcomes, counts, states, redrive, parkedAny: false };
}
