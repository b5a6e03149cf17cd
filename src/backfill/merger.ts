import type { ApplyItem, ApplyOrigin } from '../apply/types.js';
import type { LogRecord, RowChange, WatermarkEvent } from '../log/change.js';
import type { LogEntry, LogOffset } from '../log/types.js';
import type { Row } from '../values/index.js';
import { keyToText } from '../values/index.js';

/**
 * The DBLog merge (Netflix 2020), on the log consumer's path: it sees every log record in order before apply.
 *
 * A chunk is announced (`expect`) before its low watermark is written, its rows are handed over (`register`) after the
 * SELECT and before its high watermark is written. In the stream, between the chunk's low and high watermark, every
 * captured change of the chunk's table evicts the chunk row with the same key (old and new key of a key-changing
 * update). At the high watermark the remaining rows become `op: 'read'` changes at the high watermark's position:
 * newer than every change before it, older than every change after it, so apply's compare-and-set puts them in the
 * right place. Watermarks of a chunk nobody announced (a dead chunk of a crashed run) are ignored; a chunk whose
 * window was not seen whole (high without low, rows missing, a schema change inside it) is reported lost and read
 * again by its owner.
 *
 * Pure and synchronous: memory is the announced chunks' rows plus the keys changed inside open windows.
 */

export interface ChunkSpec {
  /** Unique per attempt: a chunk read again gets a new id, so the watermarks of a lost attempt stay dead. */
  readonly id: string;
  /** Capture source name (RowChange.source) of the legacy database the chunk is read from. */
  readonly source: string;
  /** The table as named in captured records. */
  readonly table: string;
  /** Key columns, in the order capture keys the table's changes. */
  readonly key: readonly string[];
  readonly origin: ApplyOrigin;
}

export interface ChunkCheckpoint {
  readonly consumer: string;
  readonly expected: string | null;
  readonly next: string | null;
}

/** What `accept` gives back, in stream order. */
export type MergeOutput =
  /** Captured changes to apply, and the offset of the last log entry they cover (watermarks and DDL included). */
  | { readonly kind: 'stream'; readonly items: ApplyItem[]; readonly through: LogOffset }
  /** A chunk whose high watermark passed: its surviving rows, to apply with its cursor checkpoint. */
  | {
    readonly kind: 'chunk'; readonly chunk: ChunkSpec; readonly items: ApplyItem[]; readonly evicted: number;
    readonly read: number; readonly checkpoint: ChunkCheckpoint | null; readonly position: string;
    /** Group chunks only (aspire): the rows dropped because a captured change of their key fell inside the window. */
    readonly evictedKeys?: readonly { readonly table: string; readonly key: string }[];
  }
  | { readonly kind: 'lost'; readonly chunk: ChunkSpec; readonly reason: string }
  /** A probe watermark (no table) that somebody waits for: proof that capture and this path run. */
  | { readonly kind: 'probe'; readonly id: string; readonly position: string };

/**
 * A chunk over several tables at once, under ONE pair of watermarks (aspire: the rows of a few entities in every
 * table of the entity). Each part has its own window and evictions; at the high watermark the survivors of every part
 * come out as one `chunk` output (one apply, one transaction: parents and children of an entity together).
 */
export interface GroupSpec {
  readonly id: string;
  readonly source: string;
  readonly origin: ApplyOrigin;
  readonly parts: readonly { readonly table: string; readonly key: readonly string[] }[];
}

interface Group {
  readonly spec: GroupSpec;
  readonly members: Pending[];
  registered: boolean;
}

interface Pending {
  readonly spec: ChunkSpec;
  /** Set on the parts of a group chunk: the group's id. */
  readonly group?: string;
  rows: Row[] | null;
  checkpoint: ChunkCheckpoint | null;
  /** Keys (keyToText) changed since the low watermark; null until the low watermark is seen. */
  changed: Set<string> | null;
}

export class DblogMerger {
  private readonly pending = new Map<string, Pending>();
  /** Open windows by "source\u0000table": the chunks whose low watermark passed and high did not. */
  private readonly open = new Map<string, Set<Pending>>();
  private readonly probes = new Set<string>();
  private readonly groups = new Map<string, Group>();

  /** Announce a group chunk (see GroupSpec): call before writing its low watermark (whose id is the group's id). */
  expectGroup(spec: GroupSpec): void {
    if (this.pending.has(spec.id) || this.groups.has(spec.id)) throw new Error(`chunk ${spec.id} announced twice`);
    const members = spec.parts.map((p): Pending => ({
      spec: { id: `${spec.id}#${p.table}`, source: spec.source, table: p.table, key: p.key, origin: spec.origin }, group: spec.id, rows: null, checkpoint: null, changed: null,
    }));
    this.groups.set(spec.id, { spec, members, registered: false });
  }

  /** Hand over a group's rows by table (read after its low watermark): call before writing its high watermark. */
  registerGroup(id: string, rows: ReadonlyMap<string, Row[]>): void {
    const g = this.groups.get(id);
    if (!g) throw new Error(`chunk ${id} was not announced (or was already finished)`);
    for (const m of g.members) m.rows = rows.get(m.spec.table) ?? [];
    g.registered = true;
  }

  /** Announce a chunk: call before writing its low watermark. */
  expect(spec: ChunkSpec): void {
    if (this.pending.has(spec.id)) throw new Error(`chunk ${spec.id} announced twice`);
    this.pending.set(spec.id, { spec, rows: null, checkpoint: null, changed: null });
  }

  /** Hand over the chunk's rows (read after the low watermark): call before writing its high watermark. */
  register(id: string, rows: Row[], checkpoint: ChunkCheckpoint | null = null): void {
    const p = this.pending.get(id);
    if (!p) throw new Error(`chunk ${id} was not announced (or was already finished)`);
    p.rows = rows;
    p.checkpoint = checkpoint;
  }

  /** Forget a chunk (its read failed): its watermarks, if any come, are ignored. */
  abandon(id: string): void {
    const g = this.groups.get(id);
    if (g) { this.finishGroup(g); return; }
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.open.get(windowKey(p.spec.source, p.spec.table))?.delete(p);
  }

  /** Wait for a probe watermark of this id (no table): `accept` reports it once seen. */
  expectProbe(id: string): void {
    this.probes.add(id);
  }

  /** Chunks announced and not finished. */
  get size(): number {
    return this.pending.size + this.groups.size;
  }

  /** Run log entries through the merge, in order. */
  accept(entries: readonly LogEntry[]): MergeOutput[] {
    const out: MergeOutput[] = [];
    let items: ApplyItem[] = [];
    let through: LogOffset | null = null;
    const flush = () => {
      if (through !== null) out.push({ kind: 'stream', items, through });
      items = [];
      through = null;
    };
    for (const e of entries) {
      const r: LogRecord = e.record;
      switch (r.kind) {
        case 'change':
          this.evict(r);
          items.push({ change: r, origin: 'capture' });
          through = e.offset;
          break;
        case 'ddl': {
          // a shape change inside a window: the chunk's rows were read with the old shape, read them again
          const windows = this.open.get(windowKey(r.source, r.table));
          if (windows) {
            for (const p of [...windows]) {
              const reason = `table ${r.table} changed shape inside the chunk's window`;
              const g = p.group !== undefined ? this.groups.get(p.group) : undefined;
              if (g) { flush(); this.finishGroup(g); out.push({ kind: 'lost', chunk: groupChunk(g.spec), reason }); } else if (p.group === undefined) this.lose(p, reason, out, flush);
            }
          }
          through = e.offset;
          break;
        }
        case 'watermark':
          through = e.offset;
          this.watermark(r, out, flush);
          break;
        default: {
          const never: never = r;
          throw new Error(`unknown log record ${JSON.stringify(never)}`);
        }
      }
    }
    flush();
    return out;
  }

  private evict(c: RowChange): void {
    const windows = this.open.get(windowKey(c.source, c.table));
    if (!windows || windows.size === 0) return;
    for (const p of windows) {
      p.changed!.add(keyOf(c.key, p.spec.key) ?? keyToText(Object.values(c.key)));
      // a key-changing update also evicts the old key (capture's oldKey, else its before image)
      const oldImage = c.oldKey ?? c.before;
      const old = oldImage ? keyOf(oldImage, p.spec.key) : null;
      if (old !== null) p.changed!.add(old);
    }
  }

  private watermark(w: WatermarkEvent, out: MergeOutput[], flush: () => void): void {
    if (w.table === null && this.probes.delete(w.id)) {
      flush();
      out.push({ kind: 'probe', id: w.id, position: w.position });
      return;
    }
    const g = this.groups.get(w.id);
    if (g) { if (g.spec.source === w.source) this.groupWatermark(g, w, out, flush); return; }
    const p = this.pending.get(w.id);
    if (!p || p.spec.source !== w.source) return; // a dead chunk (earlier run) or somebody else's watermark
    if (w.phase === 'low') {
      if (p.changed !== null) return; // the same low watermark delivered twice: the window is already open
      p.changed = new Set();
      const k = windowKey(p.spec.source, p.spec.table);
      let set = this.open.get(k);
      if (!set) this.open.set(k, (set = new Set()));
      set.add(p);
      return;
    }
    if (p.changed === null) return this.lose(p, 'high watermark seen without its low watermark', out, flush);
    if (p.rows === null) return this.lose(p, 'high watermark seen before the chunk rows were registered', out, flush);
    flush();
    this.finish(p);
    const survivors: ApplyItem[] = [];
    for (const row of p.rows) {
      const k = keyOf(row, p.spec.key);
      if (k === null || p.changed.has(k)) continue;
      survivors.push({ change: readChange(p.spec, row, w), origin: p.spec.origin });
    }
    out.push({
      kind: 'chunk', chunk: p.spec, items: survivors, evicted: p.rows.length - survivors.length,
      read: p.rows.length, checkpoint: p.checkpoint, position: w.position,
    });
  }

  private groupWatermark(g: Group, w: WatermarkEvent, out: MergeOutput[], flush: () => void): void {
    const chunk = groupChunk(g.spec);
    if (w.phase === 'low') {
      if (g.members[0]?.changed) return; // delivered twice
      for (const m of g.members) {
        m.changed = new Set();
        const k = windowKey(m.spec.source, m.spec.table);
        let set = this.open.get(k);
        if (!set) this.open.set(k, (set = new Set()));
        set.add(m);
      }
      return;
    }
    flush();
    this.finishGroup(g);
    if (g.members.some((m) => m.changed === null)) { out.push({ kind: 'lost', chunk, reason: 'high watermark seen without its low watermark' }); return; }
    if (!g.registered) { out.push({ kind: 'lost', chunk, reason: 'high watermark seen before the chunk rows were registered' }); return; }
    const items: ApplyItem[] = [];
    const evictedKeys: { table: string; key: string }[] = [];
    let read = 0;
    for (const m of g.members) {
      for (const row of m.rows!) {
        read++;
        const k = keyOf(row, m.spec.key);
        if (k === null) continue;
        if (m.changed!.has(k)) { evictedKeys.push({ table: m.spec.table, key: k }); continue; }
        items.push({ change: readChange(m.spec, row, w), origin: m.spec.origin });
      }
    }
    out.push({ kind: 'chunk', chunk, items, evicted: read - items.length, read, checkpoint: null, position: w.position, evictedKeys });
  }

  private finishGroup(g: Group): void {
    this.groups.delete(g.spec.id);
    for (const m of g.members) this.open.get(windowKey(m.spec.source, m.spec.table))?.delete(m);
  }

  private lose(p: Pending, reason: string, out: MergeOutput[], flush: () => void): void {
    flush();
    this.finish(p);
    out.push({ kind: 'lost', chunk: p.spec, reason });
  }

  private finish(p: Pending): void {
    this.pending.delete(p.spec.id);
    this.open.get(windowKey(p.spec.source, p.spec.table))?.delete(p);
  }
}

/** The chunk a group is reported as (its id is what the data path settles). */
function groupChunk(g: GroupSpec): ChunkSpec {
  return { id: g.id, source: g.source, table: g.parts.map((p) => p.table).join(','), key: [], origin: g.origin };
}

function windowKey(source: string, table: string): string {
  return `${source}\u0000${table}`;
}

/** The key text of a row by key columns; null when a key column is missing or NULL (never paged, never matched). */
export function keyOf(row: Row, key: readonly string[]): string | null {
  const values = [];
  for (const c of key) {
    const v = row[c];
    if (v === undefined || v === null) return null;
    values.push(v);
  }
  return keyToText(values);
}

/** A chunk row as a `read` change at the high watermark (DBLog). */
export function readChange(spec: ChunkSpec, row: Row, high: { position: string; at: string }): RowChange {
  const key: Record<string, Row[string]> = {};
  for (const c of spec.key) key[c] = row[c] ?? null;
  return { kind: 'change', source: spec.source, table: spec.table, key, op: 'read', before: null, after: row, position: high.position, txid: null, at: high.at };
}
