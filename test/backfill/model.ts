/**
 * A pure model for the DBLog property test: a legacy table whose every write is "captured" into an in-memory log at
 * an increasing position, a next side that applies with compare-and-set versions and checkpoints (the Applier
 * contract), and a gate that holds every legacy read/write and every apply until the test lets it run, so the test
 * chooses the interleaving.
 */
import type { Applier, ApplyBatchOptions, ApplyBatchResult, ApplyItem } from '../../src/apply/types.js';
import type { Database, KeysetReadOptions, TableInfo } from '../../src/backends/types.js';
import { WATERMARK_TABLE, watermarkOf } from '../../src/capture/watermark.js';
import type { LogRecord } from '../../src/log/change.js';
import type { LogEntry } from '../../src/log/types.js';
import type { Row, Value } from '../../src/values/index.js';
import { int } from '../../src/values/index.js';

export const TABLE = 't';
const AT = '2026-01-01T00:00:00.000Z';

/** Operations held until the test runs them; `kill()` drops the held ones of a crashed process for ever. */
export class Gate {
  private readonly held: { run: () => void; owner: number }[] = [];

  hold<T>(owner: number, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.push({ owner, run: () => { try { resolve(fn()); } catch (e) { reject(e as Error); } } });
    });
  }

  get size(): number {
    return this.held.length;
  }

  /** Run the held operation at `index` (modulo the queue length). */
  step(index: number): boolean {
    if (this.held.length === 0) return false;
    const [op] = this.held.splice(index % this.held.length, 1);
    op!.run();
    return true;
  }

  kill(owner: number): void {
    for (let i = this.held.length - 1; i >= 0; i--) if (this.held[i]!.owner === owner) this.held.splice(i, 1);
  }
}

export class Legacy {
  readonly rows = new Map<number, number>();
  /** Per key: (position, value or null for deleted), in position order. */
  readonly history = new Map<number, { pos: number; v: number | null }[]>();
  readonly log: LogEntry[] = [];
  private pos = 0;

  private append(record: (pos: string) => LogRecord): number {
    const p = ++this.pos;
    this.log.push({ offset: String(this.log.length + 1), record: record(posText(p)), appendedAt: AT });
    return p;
  }

  write(k: number, v: number | null): void {
    const before = this.rows.get(k);
    if (v === null && before === undefined) return;
    const op = v === null ? 'delete' : before === undefined ? 'insert' : 'update';
    const p = this.append((position) => ({
      kind: 'change', source: 'legacy', table: TABLE, key: { id: int(k) }, op,
      before: before === undefined ? null : row(k, before), after: v === null ? null : row(k, v), position, txid: null, at: AT,
    }));
    if (v === null) this.rows.delete(k); else this.rows.set(k, v);
    let h = this.history.get(k);
    if (!h) this.history.set(k, (h = []));
    h.push({ pos: p, v });
  }

  watermark(r: Row): void {
    const w = watermarkOf(r)!;
    this.append((position) => ({ kind: 'watermark', source: 'legacy', table: w.table, id: w.id, phase: w.phase, position, at: AT }));
  }

  /** The legacy value of `k` as of position `p`. */
  valueAt(k: number, p: number): number | null {
    let v: number | null = null;
    for (const h of this.history.get(k) ?? []) if (h.pos <= p) v = h.v;
    return v;
  }

  page(after: readonly Value[] | undefined, limit: number): Row[] {
    const a = after ? Number((after[0] as { v: string }).v) : Number.NEGATIVE_INFINITY;
    return [...this.rows.keys()].filter((k) => k > a).sort((x, y) => x - y).slice(0, limit).map((k) => row(k, this.rows.get(k)!));
  }
}

export function row(k: number, v: number): Row {
  return { id: int(k), v: int(v) };
}

export function posText(p: number): string {
  return String(p).padStart(12, '0');
}

const INFO: TableInfo = {
  name: TABLE, primaryKey: ['id'], uniqueKeys: [],
  columns: [
    { name: 'id', type: 'int', nativeType: 'integer', nullable: false },
    { name: 'v', type: 'int', nativeType: 'integer', nullable: false },
  ],
};

/** The legacy database as one process sees it: reads and watermark writes go through the gate. */
export function legacyDatabase(legacy: Legacy, gate: Gate, owner: number): Database {
  const unsupported = () => { throw new Error('not in the model'); };
  return {
    dialect: 'sqlite', displayUrl: 'model', capabilities: { dialect: 'sqlite', transactionalDdl: true, logCapture: null, triggers: true, concurrentWriters: false, copyIn: false },
    listTables: async () => [TABLE],
    describeTable: async () => INFO,
    countRows: async () => legacy.rows.size,
    readPage: (o: KeysetReadOptions) => gate.hold(owner, () => legacy.page(o.after, o.limit)),
    streamRows: unsupported,
    readByKeys: unsupported,
    upsert: (table: string, _key: readonly string[], rows: readonly Row[]) => gate.hold(owner, () => {
      if (table !== WATERMARK_TABLE) throw new Error(`model legacy only takes watermark writes, got ${table}`);
      for (const r of rows) legacy.watermark(r);
    }),
    deleteByKeys: unsupported,
    copyIn: unsupported,
    transaction: unsupported,
    query: async () => [],
    execute: async () => undefined,
    quoteIdent: (n: string) => `"${n}"`,
    captureReadiness: async () => [],
    close: async () => undefined,
  };
}

export interface NextRow { version: number; v: number | null; origin: string }

/**
 * The next side (what the real applier guarantees, as a model): a change is written only when its version is newer
 * than the stored one (tombstones kept), and the checkpoint moves in the same "transaction", compare-and-set.
 * `onRead` sees every chunk row applied, to check it against legacy at its version.
 */
export class ModelNext {
  readonly rows = new Map<number, NextRow>();
  readonly checkpoints = new Map<string, string | null>();

  constructor(private readonly onRead: (k: number, v: number, version: number) => void) {}

  applier(gate: Gate, owner: number): Applier {
    return {
      apply: (items: readonly ApplyItem[], options?: ApplyBatchOptions) => gate.hold(owner, () => this.apply(items, options)),
      checkpoint: async (consumer: string) => this.checkpoints.get(consumer) ?? null,
      appliedVersion: async () => null,
      close: async () => undefined,
    };
  }

  apply(items: readonly ApplyItem[], options?: ApplyBatchOptions): ApplyBatchResult {
    const cp = options?.checkpoint;
    if (cp && (this.checkpoints.get(cp.consumer) ?? null) !== cp.expected) {
      throw new Error(`checkpoint conflict on ${cp.consumer}: stored ${this.checkpoints.get(cp.consumer) ?? null}, expected ${cp.expected}`);
    }
    const counts = { written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0 };
    for (const { change: c, origin } of items) {
      const k = Number((c.key['id'] as { v: string }).v);
      const version = Number(c.position);
      const stored = this.rows.get(k);
      if (stored && stored.version >= version) { counts.stale++; continue; }
      const v = c.after ? Number((c.after['v'] as { v: string }).v) : null;
      if (c.op === 'read') this.onRead(k, v!, version);
      this.rows.set(k, { version, v, origin });
      if (v === null) counts.deleted++; else counts.written++;
    }
    if (cp) this.checkpoints.set(cp.consumer, cp.next);
    return { ...counts, byTable: { [TABLE]: counts } };
  }
}
