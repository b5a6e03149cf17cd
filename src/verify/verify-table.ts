import type { Row, Value } from '../values/index.js';
import { compareKeys, keyToText } from '../values/index.js';
import { columnsComparator, columnsEqual, displayKey } from './compare.js';
import { describeFailure, VerifyInconclusiveError, VerifyOrderError } from './errors.js';
import type { ExpectedRow } from './expected.js';
import { drain, mergeWith, NextCursor } from './next-cursor.js';
import { checkSuspects, extraDifference, guessLegacyKey, type Suspect } from './recheck.js';
import type { Settler } from './settle.js';
import type { TablePlan } from './table-plan.js';
import type { Throttle } from './throttle.js';
import type { TablePart } from './parts.js';
import { compatibilityOf, countNotes, invariantOf, verdictOf } from './verdict.js';
import type { Difference, TableVerifyCounts, TableVerifyReport } from './types.js';

/** Legacy rows per read when not given (measured: 1000 beat 2000 and 5000 by a third in CPU per row, bench:verify). */
export const DEFAULT_CHUNK = 1000;

export interface TableRunOptions {
  /**
   * Legacy rows per read (default 1000): one short autocommit statement each, never a long snapshot. Pages stay
   * small because the rows of the pages in flight survive garbage collections, and copying survivors cost more
   * than the extra round trips (which overlap with the comparison).
   */
  readonly chunkSize?: number;
  readonly throttle: Throttle;
  readonly settler: Settler;
  /** Open quarantine items of this table, by legacy key text (`keyToText`); refreshed before each re-check. */
  readonly quarantined: QuarantineView;
  /** Every difference found, as found (the state store keeps them all). */
  readonly sink?: (differences: readonly Difference[]) => Promise<void>;
  /** Differences kept in the report itself (default 1000; the store has them all). */
  readonly maxReported?: number;
  /** Rounds of re-check for a row that keeps changing under load (default 3). */
  readonly maxRounds?: number;
  /** Next tables also written by other legacy tables: their unmatched next rows are not this table's extras. */
  readonly shared?: ReadonlySet<string>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (legacyRowsDone: number) => void;
  /** Legacy rows found matching, after re-checks, with their entity key (ledger `verified`). */
  readonly onMatched?: (rows: readonly { readonly legacyKey: readonly Value[]; readonly entityKey: unknown }[]) => Promise<void>;
  /** Entity keys with a difference (their entity must not be marked verified). */
  readonly onDifferent?: (entityKey: unknown) => void;
  /**
   * Only this range of the table's keys (`parts.ts`): its legacy rows, and the next rows between the range's mapped
   * bounds. The table's own COUNT(*) checks are then the caller's, around all the ranges (`mergeParts`).
   */
  readonly part?: TablePart;
}

export interface QuarantineView {
  has(legacyKeyText: string): boolean;
  refresh(): Promise<void>;
  /** The open items' key texts as last refreshed (what a verify thread is sent). */
  keys(): readonly string[];
}

export const NO_QUARANTINE: QuarantineView = { has: () => false, refresh: async () => undefined, keys: () => [] };

export function emptyCounts(): TableVerifyCounts {
  return { legacyRows: 0, legacyCount: 0, expectedNextRows: 0, nextRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0, quarantined: 0, unmapped: 0, nullKeyRows: 0, rechecked: 0, settledByRecheck: 0 };
}

/** What a chunk left to decide after the merge: rows that differ, re-checked once apply passed them. */
export interface Pending { suspect: Suspect; entityKey: unknown }

/**
 * Verifies one legacy table end to end: own count, own keyset over legacy in chunks (throttled), the mapping of each
 * row, a merge join per next table with the next rows in key order, then a re-check of every difference once apply
 * has passed what was captured when it was seen. Any read failure makes the table inconclusive, never a pass.
 */
export async function verifyTable(plan: TablePlan, o: TableRunOptions): Promise<TableVerifyReport> {
  const started = Date.now();
  const name = plan.table.name;
  const counts = emptyCounts();
  const notes: string[] = [];
  const reported: Difference[] = [];
  const maxReported = o.maxReported ?? 1000;
  const report = async (ds: readonly Difference[]) => {
    for (const d of ds) { if (reported.length < maxReported) reported.push(d); }
    if (o.sink && ds.length) await o.sink(ds);
  };
  const part = o.part;
  const cursors = new Map([...plan.targets].map(([t, target]) => [t, new NextCursor(target.keyset, target.key, o.chunkSize ?? DEFAULT_CHUNK, part?.next[t])]));
  const lastExpected = new Map<string, readonly Value[]>();
  // per next table, the comparison of rows that gave every column, generated once
  const comparators = new Map([...plan.targets.keys()].map((t) => {
    const all = plan.expecter.allColumns(t) ?? [];
    return [t, { all, equalsAll: columnsComparator(all) }];
  }));
  const chunk = o.chunkSize ?? DEFAULT_CHUNK;

  const ctx: ResolveContext = { plan, o, counts, report, unsettled: 0 };
  const settle = (pending: Pending[]) => resolvePending(ctx, pending);

  try {
    if (!part) {
      counts.legacyCount = await plan.legacy.count();
      counts.nullKeyRows = await plan.legacy.countNullKeys();
    } else if (part.after) plan.legacy.beginRange();
    // the read of the next chunk runs while this one is mapped and compared (one chunk ahead: memory stays bounded)
    const read = async (after: readonly Value[] | null) => {
      await o.throttle.admit(chunk, o.signal);
      const rows = await plan.legacy.page(after, chunk, (n) => o.throttle.admit(n, o.signal));
      o.throttle.observe(plan.legacy.lastPageMs);
      return rows;
    };
    let ahead = read(part?.after ?? null);
    let after: readonly Value[] | null = part?.after ?? null;
    for (;;) {
      if (o.signal?.aborted) throw new VerifyInconclusiveError(name, 'stopped before the end of the table');
      let rows = await ahead;
      if (rows.length === 0) break;
      let keys = rows.map((r) => plan.table.key.map((k) => r[k] ?? null));
      let more = rows.length === chunk;
      // every key after the one before it, in code-point order: what the merge join relies on (see OwnKeyset)
      for (let j = 0; j < keys.length; j++) {
        const prev = j === 0 ? after : keys[j - 1]!;
        if (prev && compareKeys(keys[j]!, prev) <= 0) throw new VerifyOrderError('legacy', keyToText(keys[j]!), keyToText(prev));
        // a range ends at its bound: the rows past it are the next range's
        if (part?.upTo && compareKeys(keys[j]!, part.upTo) > 0) { rows = rows.slice(0, j); keys = keys.slice(0, j); more = false; break; }
      }
      if (rows.length === 0) break;
      if (more) {
        after = keys[keys.length - 1]!;
        ahead = read(after);
        ahead.catch(() => undefined); // awaited on the next turn; a failure is reported there
      }
      counts.legacyRows += rows.length;
      // mapped and merged a hundred rows at a time (see MAP_BATCH); re-checks and ledger marks once per chunk
      const pending: Pending[] = [];
      const matched: { legacyKey: readonly Value[]; entityKey: unknown }[] | undefined = o.onMatched ? [] : undefined;
      for (let from = 0; from < rows.length; from += MAP_BATCH) await verifyBatch(rows, keys, from, Math.min(rows.length, from + MAP_BATCH), pending, matched);
      if (matched?.length) await o.onMatched?.(matched);
      await settle(pending);
      o.onProgress?.(counts.legacyRows);
      if (!more) break;
    }
    // next rows past the last legacy row: extras (re-checked like the others)
    const pending: Pending[] = [];
    for (const [t, cursor] of cursors) {
      if (o.shared?.has(t)) continue;
      for (;;) {
        const extras: Row[] = [];
        await drain(cursor, extras, chunk);
        if (extras.length === 0) break;
        for (const row of extras) pending.push(...extraSuspect(t, row, cursor).map((s) => ({ suspect: s, entityKey: undefined })));
        await settle(pending.splice(0));
      }
    }
    for (const c of cursors.values()) counts.nextRows += c.read;
    // a range leaves the table's own counts to mergeParts, around every range of the table
    const countAfter = part ? undefined : await plan.legacy.count();
    if (!part) counts.legacyRows += counts.nullKeyRows;
    notes.push(...countNotes(counts, plan.table.key));
    if (ctx.unsettled > 0) {
      notes.push(`${ctx.unsettled} row(s) kept changing over ${o.maxRounds ?? 3} re-checks`);
      return finish('inconclusive');
    }
    if (countAfter !== undefined && countAfter === counts.legacyCount && counts.legacyRows !== countAfter) {
      notes.push(`the verifier enumerated ${counts.legacyRows} rows but COUNT(*) gives ${countAfter} (unchanged during the pass): the enumeration ended early`);
      return finish('inconclusive');
    }
  } catch (e) {
    notes.push(e instanceof VerifyInconclusiveError ? e.message
      : e instanceof VerifyOrderError ? `${e.message}: the merge join cannot trust this order (a key changed under the pass, or the engine does not sort this key by code point); run again`
        : `read failed: ${describeFailure(e)}`);
    for (const c of cursors.values()) counts.nextRows += c.read;
    return finish('inconclusive');
  }
  return finish(verdictOf(counts));

  function finish(verdict: TableVerifyReport['verdict']): TableVerifyReport {
    return { table: name, nextTables: [...plan.targets.keys()], counts, invariantHolds: verdict === 'inconclusive' ? null : invariantOf(counts), verdict, notes, differences: reported, compatibility: compatibilityOf(counts), ms: Date.now() - started };
  }

  function extraSuspect(t: string, row: Row, cursor: NextCursor): Suspect[] {
    const k = cursor.keyOf(row);
    const guess = guessLegacyKey(plan, k);
    if (!guess) {
      counts.extra++;
      void report([extraDifference(plan, t, cursor.key, k, row, null)]);
      return [];
    }
    return [{ legacyKey: guess, seen: null, involved: new Map([[t, [k]]]), guessed: true }];
  }

  /** Rows `from`..`to` of a chunk: mapped, merged per next table, classified; what is left to decide goes to `pending`. */
  async function verifyBatch(
    rows: readonly Row[], keys: readonly (readonly Value[])[], from: number, to: number,
    pending: Pending[], matched: { legacyKey: readonly Value[]; entityKey: unknown }[] | undefined,
  ): Promise<void> {
    // map every row; group the expected next rows per next table (per-row state in flat arrays: this is the hot loop)
    const n = to - from;
    const perTable = new Map<string, { e: ExpectedRow; owner: number }[]>();
    const status = new Uint8Array(n); // OK, UNMAPPABLE or DIFFERS
    const entityKeys: unknown[] = new Array(n);
    const involved: (Map<string, (readonly Value[])[]> | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const exp = plan.expecter.expect(rows[from + i]!);
      if (!exp.ok) { status[i] = UNMAPPABLE; continue; }
      entityKeys[i] = exp.entityKey;
      counts.expectedNextRows += exp.rows.length;
      for (const e of exp.rows) {
        let l = perTable.get(e.nextTable); if (!l) perTable.set(e.nextTable, (l = []));
        l.push({ e, owner: i });
      }
    }
    const involve = (i: number, t: string, k: readonly Value[]) => {
      const m = (involved[i] ??= new Map()); let l = m.get(t); if (!l) m.set(t, (l = [])); l.push(k);
      status[i] = DIFFERS;
    };
    for (const [t, cursor] of cursors) {
      const list = perTable.get(t) ?? [];
      // the mapping keeps legacy's key order in the usual case: sort only when it does not
      let adjacent = compareAdjacent(list);
      if (!adjacent) { list.sort((a, b) => compareKeys(a.e.key, b.e.key)); adjacent = compareAdjacent(list)!; }
      // two legacy rows giving one next key: apply quarantines the second, never overwrites; the first one is
      // compared, the others do not map — also when the first one came in an earlier batch
      const prev = lastExpected.get(t);
      const unique: { e: ExpectedRow; owner: number }[] = [];
      for (let j = 0; j < list.length; j++) {
        const dup = j > 0 ? adjacent[j - 1] === 0 : prev !== undefined && compareKeys(list[0]!.e.key, prev) === 0;
        if (dup) status[list[j]!.owner] = UNMAPPABLE; else unique.push(list[j]!);
      }
      if (unique.length === 0) continue;
      if (prev && compareKeys(unique[0]!.e.key, prev) <= 0) {
        throw new VerifyInconclusiveError(name, `the mapping gives ${t} keys out of legacy key order (${keyToText(unique[0]!.e.key)} after ${keyToText(prev)}): a merge join needs next keys that follow legacy's key order`);
      }
      const bounds = part?.next[t];
      if (bounds && ((bounds.after && compareKeys(unique[0]!.e.key, bounds.after) <= 0) || (bounds.upTo && compareKeys(unique[unique.length - 1]!.e.key, bounds.upTo) > 0))) {
        const shown = (k: readonly Value[]) => JSON.stringify(displayKey(cursor.key, k));
        throw new VerifyInconclusiveError(name, `the mapping gives ${t} keys (${shown(unique[0]!.e.key)} … ${shown(unique[unique.length - 1]!.e.key)}) outside the range of next keys this range's bounds map to (after ${bounds.after ? shown(bounds.after) : 'the first'}, up to ${bounds.upTo ? shown(bounds.upTo) : 'the last'}): verify this table on one thread (--threads 1)`);
      }
      lastExpected.set(t, unique[unique.length - 1]!.e.key);
      const extras: Row[] = [];
      const { all, equalsAll } = comparators.get(t)!;
      await mergeWith(unique.map((x) => x.e.key), cursor, extras, (j, actual) => {
        const { e, owner } = unique[j]!;
        if (actual === undefined || !(e.columns === all ? equalsAll(e.row, actual) : columnsEqual(e.row, actual, e.columns))) involve(owner, t, e.key);
      });
      if (!o.shared?.has(t)) for (const row of extras) pending.push(...extraSuspect(t, row, cursor).map((s) => ({ suspect: s, entityKey: undefined })));
    }
    for (let i = 0; i < n; i++) {
      const key = keys[from + i]!;
      switch (status[i]) {
        case OK: counts.matched++; matched?.push({ legacyKey: key, entityKey: entityKeys[i] }); break;
        case UNMAPPABLE:
          if (o.quarantined.has(keyToText(key))) counts.quarantined++;
          else pending.push({ suspect: { legacyKey: key, seen: rows[from + i]!, involved: involved[i] ?? new Map(), guessed: false }, entityKey: undefined });
          break;
        default: pending.push({ suspect: { legacyKey: key, seen: rows[from + i]!, involved: involved[i] ?? new Map(), guessed: false }, entityKey: entityKeys[i] }); break;
      }
    }
  }
}

/** Row states of a batch. */
const OK = 0, UNMAPPABLE = 1, DIFFERS = 2;

/**
 * Legacy rows mapped and merged at a time, inside a chunk. The expected rows of a batch are compared and dropped
 * before the next batch is mapped, so they die young: mapping a whole 1000-row chunk first kept them alive across
 * young-generation collections, and copying them cost about a third of the collector's time (bench:verify, 100 k
 * rows: 40 % less GC time, +15 % rows per CPU-second). A mapping must give next keys in legacy's key order across
 * batches as across chunks (otherwise: inconclusive); within a batch it is sorted.
 */
export const MAP_BATCH = 100;

/** compareKeys of each adjacent pair of expected rows, or null when the list is not sorted. */
function compareAdjacent(list: readonly { e: ExpectedRow }[]): Int8Array | null {
  const out = new Int8Array(Math.max(0, list.length - 1));
  for (let j = 1; j < list.length; j++) {
    const c = compareKeys(list[j - 1]!.e.key, list[j]!.e.key);
    if (c > 0) return null;
    out[j - 1] = c;
  }
  return out;
}

export { displayKey };

export interface ResolveContext {
  readonly plan: TablePlan;
  readonly o: Pick<TableRunOptions, 'settler' | 'quarantined' | 'signal' | 'maxRounds' | 'onMatched' | 'onDifferent'>;
  readonly counts: TableVerifyCounts;
  readonly report: (ds: readonly Difference[]) => Promise<void>;
  /** Rows still changing after the last round (the result is then inconclusive). */
  unsettled: number;
}

/**
 * Decides the rows that differed: wait until apply has passed what is captured now, compare them again by key, and
 * repeat for rows whose legacy image moved meanwhile (a change in flight), up to `maxRounds`. Only a difference that
 * persists while the legacy row stays still is reported.
 */
export async function resolvePending(ctx: ResolveContext, pending: readonly Pending[]): Promise<void> {
  const { plan, o, counts } = ctx;
  if (pending.length === 0) return;
  const rounds = o.maxRounds ?? 3;
  counts.rechecked += pending.length;
  let round = [...pending];
  for (let r = 0; r < rounds && round.length > 0; r++) {
    if (!(await o.settler.settle(o.signal))) throw new VerifyInconclusiveError(plan.table.name, `apply did not pass the changes in flight in time: ${round.length} differing row(s) could not be re-checked`);
    await o.quarantined.refresh();
    const outcomes = await checkSuspects(plan, round.map((p) => p.suspect));
    const again: Pending[] = [];
    const matched: { legacyKey: readonly Value[]; entityKey: unknown }[] = [];
    for (let i = 0; i < round.length; i++) {
      const p = round[i]!, out = outcomes[i]!;
      const keyText = keyToText(p.suspect.legacyKey);
      switch (out.kind) {
        case 'settled':
          counts.settledByRecheck++;
          if (out.enumerated) { counts.matched++; matched.push({ legacyKey: p.suspect.legacyKey, entityKey: p.entityKey }); }
          break;
        case 'unmappable':
          if (p.suspect.seen === null) break;
          if (o.quarantined.has(keyText)) counts.quarantined++; else counts.unmapped++;
          break;
        case 'differs':
          if (out.moved && r + 1 < rounds) { p.suspect.seen = out.now; again.push(p); break; }
          if (out.moved) ctx.unsettled++;
          if (p.suspect.seen !== null && o.quarantined.has(keyText) && out.differences.every((d) => d.kind !== 'extra')) { counts.quarantined++; break; }
          for (const d of out.differences) counts[d.kind]++;
          o.onDifferent?.(p.entityKey);
          await ctx.report(out.differences);
          break;
      }
    }
    if (matched.length) await o.onMatched?.(matched);
    round = again;
  }
}
