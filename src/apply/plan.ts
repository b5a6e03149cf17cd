/**
 * Step two, inside the batch's transaction once the stored versions and owners are read: replay the batch's changes
 * in order, per legacy row, against its stored state (compare-and-set), and keep only the net effect per legacy row
 * — its final next rows, the rows it no longer produces, its new version. Pure: no I/O here.
 */
import type { Value } from '../values/index.js';
import { keyToText } from '../values/index.js';
import type { NextRow, Prepared } from './prepare.js';

export type Outcome = 'applied' | 'stale' | 'quarantined' | 'waiting';

/** The next rows a legacy row produced (lineage), as stored in row_versions.produced. */
export interface ProducedRef {
  readonly table: string;
  readonly key: readonly Value[];
  readonly keyText: string;
}

export interface StoredRow {
  readonly version: string;
  readonly deleted: boolean;
  readonly produced: readonly ProducedRef[];
  readonly entityKey: string | null;
}

export interface KeyState {
  readonly id: string;
  readonly sourceTable: string;
  readonly legacyKey: string;
  readonly entity: string | null;
  readonly initial: StoredRow | null;
  current: StoredRow | null;
  /** The rows to write for `current` (from the last applied image); empty for a delete. */
  rows: readonly NextRow[];
  /** Soft delete pending: set the mapping's columns on `current.produced`. */
  softDelete: boolean;
  /** Index (in the batch) of the last change applied to this row; -1 when none. */
  last: number;
  /** Origin of that change. */
  lastOrigin: string;
  /** Indexes of every change applied to this row in the batch (superseded ones included). */
  readonly applied: number[];
}

export interface Conflict { readonly index: number; readonly message: string }

export interface Plan {
  readonly states: ReadonlyMap<string, KeyState>;
  /** By the change's index in the caller's batch. */
  readonly outcomes: Map<number, Outcome>;
  readonly conflicts: readonly Conflict[];
}

export const legacyId = (sourceTable: string, legacyKey: string) => `${sourceTable}\u0000${legacyKey}`;
export const nextId = (table: string, keyText: string) => `${table}\u0000${keyText}`;

export function encodeProduced(p: readonly ProducedRef[]): string {
  return JSON.stringify(p.map((r) => ({ t: r.table, k: r.key })));
}

export function decodeProduced(text: string): ProducedRef[] {
  return (JSON.parse(text) as { t: string; k: Value[] }[]).map((r) => ({ table: r.t, key: r.k, keyText: keyToText(r.k) }));
}

/**
 * `stored` holds the row_versions lines of every legacy row the batch touches; `owners` the lineage owner (legacy
 * id) of every next key the batch's rows claim, when one exists.
 */
export function planBatch(prepared: readonly Prepared[], stored: ReadonlyMap<string, StoredRow>, owners: ReadonlyMap<string, string>): Plan {
  const states = new Map<string, KeyState>();
  const outcomes = new Map<number, Outcome>(prepared.map((p) => [p.index, p.kind === 'quarantine' ? 'quarantined' : 'stale']));
  const conflicts: Conflict[] = [];
  // next key → legacy id owning it now (null: freed in this batch)
  const owner = new Map<string, string | null>(owners);
  const stateOf = (sourceTable: string, legacyKey: string, entity: string | null): KeyState => {
    const id = legacyId(sourceTable, legacyKey);
    let s = states.get(id);
    if (!s) {
      const initial = stored.get(id) ?? null;
      s = { id, sourceTable, legacyKey, entity, initial, current: initial, rows: [], softDelete: false, last: -1, lastOrigin: '', applied: [] };
      states.set(id, s);
    }
    return s;
  };
  const release = (s: KeyState, keep: ReadonlySet<string>) => {
    for (const r of s.current?.produced ?? []) {
      const n = nextId(r.table, r.keyText);
      if (!keep.has(n) && (owner.get(n) ?? s.id) === s.id) owner.set(n, null);
    }
  };
  const newer = (s: KeyState, version: string) => s.current === null || version > s.current.version;

  for (const p of prepared) {
    if (p.kind !== 'change') continue;
    const sourceTable = p.mapping.name;
    const entity = p.mapping.entity ?? null;
    if (p.oldKey !== null) {
      // a key-changing update: the old legacy key is gone at this version (its rows are removed, never soft-deleted)
      const old = stateOf(sourceTable, p.oldKey, entity);
      if (newer(old, p.version)) {
        release(old, new Set());
        old.current = { version: p.version, deleted: true, produced: [], entityKey: old.current?.entityKey ?? null };
        old.rows = [];
        old.softDelete = false;
        old.last = p.index;
        old.lastOrigin = p.item.origin;
        old.applied.push(p.index);
      }
    }
    const s = stateOf(sourceTable, p.legacyKey, entity);
    if (!newer(s, p.version)) continue; // stale: next holds this row at an equal or newer version
    if (p.op === 'delete') {
      const soft = p.mapping.onDelete !== undefined && (s.current?.produced.length ?? 0) > 0 && s.current?.deleted !== true;
      if (!soft) release(s, new Set());
      s.current = { version: p.version, deleted: true, produced: soft ? s.current!.produced : [], entityKey: s.current?.entityKey ?? null };
      s.rows = [];
      s.softDelete = soft;
    } else {
      const claimed = new Set(p.rows.map((r) => nextId(r.table, r.keyText)));
      const clash = [...claimed].find((n) => { const o = owner.get(n); return o !== undefined && o !== null && o !== s.id; });
      if (clash !== undefined) {
        const [table, key] = clash.split('\u0000');
        const [ot, ok] = owner.get(clash)!.split('\u0000');
        conflicts.push({ index: p.index, message: `next row ${table} ${key} is already produced by ${ot} ${ok}` });
        outcomes.set(p.index, 'quarantined');
        continue;
      }
      release(s, claimed);
      for (const n of claimed) owner.set(n, s.id);
      s.current = { version: p.version, deleted: false, produced: p.rows.map((r) => ({ table: r.table, key: r.key, keyText: r.keyText })), entityKey: p.entityKey };
      s.rows = p.rows;
      s.softDelete = false;
    }
    s.last = p.index;
    s.lastOrigin = p.item.origin;
    s.applied.push(p.index);
    outcomes.set(p.index, 'applied');
  }
  return { states, outcomes, conflicts };
}

/** Undo a legacy row's changes of this batch (it waits for a parent): it keeps its stored state. */
export function revert(s: KeyState): void {
  s.current = s.initial;
  s.rows = [];
  s.softDelete = false;
  s.last = -1;
  s.applied.length = 0;
}
