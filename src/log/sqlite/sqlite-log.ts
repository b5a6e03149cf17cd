import { existsSync } from 'node:fs';
import { ensurePrivateFile } from '../../backends/sqlite/private-file.js';
import Database from 'better-sqlite3';
import type { LogRecord } from '../change.js';
import { checkRecord } from '../check.js';
import { decodeRecord, encodeRecord } from '../codec.js';
import { CheckpointConflictError, InvalidOffsetError, LogClosedError, LogNotFoundError, LogStorageError } from '../errors.js';
import { AppendThread, ownedArrayBuffer } from '../append-thread.js';
import { checkConsumerName, checkLimit } from '../names.js';
import { pollTail, Wakeup } from '../tail.js';
import type {
  AppendOptions, AppendResult, ConsumerCheckpoint, EventLog, LogCapabilities, LogEntry, LogOffset, LogStats,
  RetentionPolicy, RetentionResult, TailOptions,
} from '../types.js';
import { recordAppend } from '../metrics.js';
import { lazyOffsets } from '../offsets.js';
import { SQLITE_SCHEMA } from './schema.js';

export interface SqliteLogOptions {
  /**
   * fsync on every commit (default true). With WAL, 'NORMAL' survives a process crash but may lose the last commits
   * on power loss; the log defaults to FULL because a lost tail would let offsets be re-assigned to other records.
   */
  readonly fsync?: boolean;
  /** Open an existing log only: a missing file, or a file without the log's table, is a LogNotFoundError. */
  readonly mustExist?: boolean;
}

// One wakeup per file, so a tailer in this process wakes as soon as any log instance on the same file appends.
const wakeups = new Map<string, Wakeup>();
function wakeupFor(path: string): Wakeup {
  let w = wakeups.get(path);
  if (!w) { w = new Wakeup(); wakeups.set(path, w); }
  return w;
}

interface EntryRow { seq: number; record: string; appended_at: number }
interface ConsumerRow { name: string; seq: number | null; updated_at: number }

const OFFSET_RE = /^(0|[1-9]\d{0,15})$/;

/** Rows per INSERT statement on append (6 parameters each, far below SQLite's 32,766 parameter limit). */
const INSERT_CHUNK = 128;
const insertSql = (n: number): string =>
  `INSERT INTO siphon_log (source, tbl, kind, op, record, appended_at) VALUES ${new Array<string>(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;

/**
 * The embedded default log: one SQLite file in WAL mode. One writer at a time (SQLite's lock; busy_timeout waits),
 * any number of readers. Offsets are the AUTOINCREMENT rowid, so they are never reused even after retention
 * deleted the entries below them. A batch, and the source position that goes with it, commit in one transaction.
 */
export class SqliteLog implements EventLog {
  readonly name: string;
  readonly capabilities: LogCapabilities;
  /** Stores the appends of a log on a file (null in memory: appends run here). */
  private readonly appender: AppendThread<number[]> | null;
  private readonly db: Database.Database;
  private readonly wakeup: Wakeup;
  private closed = false;
  private readonly stmts;

  constructor(readonly path: string, options: SqliteLogOptions = {}) {
    this.name = `sqlite:${path}`;
    const mustExist = options.mustExist === true && path !== ':memory:';
    if (mustExist && !existsSync(path)) throw new LogNotFoundError(this.name, 'the file does not exist');
    try {
      if (path !== ':memory:' && !mustExist) ensurePrivateFile(path);
      this.db = new Database(path, { fileMustExist: mustExist });
      if (mustExist && !this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'siphon_log'").get()) {
        this.db.close();
        throw new LogNotFoundError(this.name, 'the file holds no Siphon log (no siphon_log table)');
      }
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.fsync === false ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('busy_timeout = 10000');
      this.db.exec(SQLITE_SCHEMA);
    } catch (e) {
      if (e instanceof LogNotFoundError) throw e;
      throw new LogStorageError(this.name, 'open', e);
    }
    this.wakeup = wakeupFor(path);
    this.appender = path === ':memory:' ? null
      : new AppendThread<number[]>(new URL('./sqlite-append-worker.mjs', import.meta.url), { path, fsync: options.fsync !== false });
    this.capabilities = { pushTail: false, distributed: false, atomicSourcePosition: true, pipelinedAppends: this.appender !== null };
    const db = this.db;
    this.stmts = {
      insert: db.prepare<[(string | number | null)[]]>(insertSql(1)),
      insertMany: db.prepare<[(string | number | null)[]]>(insertSql(INSERT_CHUNK)),
      read: db.prepare<[number, number], EntryRow>('SELECT seq, record, appended_at FROM siphon_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      upsertSource: db.prepare<[string, string, number | null, number]>(
        `INSERT INTO siphon_log_sources (source, position, seq, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET position = excluded.position, seq = excluded.seq, updated_at = excluded.updated_at`),
      getSource: db.prepare<[string], { position: string }>('SELECT position FROM siphon_log_sources WHERE source = ?'),
      getConsumer: db.prepare<[string], ConsumerRow>('SELECT name, seq, updated_at FROM siphon_log_consumers WHERE name = ?'),
      insertConsumer: db.prepare<[string, number | null, number]>(
        'INSERT INTO siphon_log_consumers (name, seq, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      casConsumer: db.prepare<[number | null, number, string, number | null]>(
        'UPDATE siphon_log_consumers SET seq = ?, updated_at = ? WHERE name = ? AND seq IS ?'),
      listConsumers: db.prepare<[], ConsumerRow>('SELECT name, seq, updated_at FROM siphon_log_consumers ORDER BY name'),
      dropConsumer: db.prepare<[string]>('DELETE FROM siphon_log_consumers WHERE name = ?'),
    };
  }

  /** The INSERT for a short last chunk of n rows, prepared once per size. */
  private readonly insertBySize = new Map<number, Database.Statement<[(string | number | null)[]]>>();
  private insertOf(n: number): Database.Statement<[(string | number | null)[]]> {
    let s = this.insertBySize.get(n);
    if (!s) { s = this.db.prepare<[(string | number | null)[]]>(insertSql(n)); this.insertBySize.set(n, s); }
    return s;
  }

  private check(): void {
    if (this.closed) throw new LogClosedError(this.name);
  }

  private guard<T>(operation: string, fn: () => T): T {
    this.check();
    try { return fn(); } catch (e) {
      if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && (e as { code: string }).code.startsWith('SQLITE_')) {
        throw new LogStorageError(this.name, operation, e);
      }
      throw e;
    }
  }

  /**
   * On a file (pipelinedAppends): every record is checked and encoded now, on the caller's turn, then the append
   * thread (sqlite-append-worker.mjs) stores the batch and its source position in one write transaction, in call
   * order; capture meanwhile decodes and encodes the next batch. Fail-stop: if an earlier append still in flight
   * fails, this one is not stored (EarlierAppendFailedError). In memory (no file a thread could open): here.
   */
  append(batch: readonly LogRecord[], options: AppendOptions = {}): Promise<AppendResult> {
    if (!this.appender) return this.appendHere(batch, options);
    if (this.closed) return Promise.reject(new LogClosedError(this.name));
    return this.appender.append(this.name, () => this.encode(batch, options), (spans) => {
      recordAppend(this.name, batch);
      if (batch.length > 0) this.wakeup.notify();
      return spansToOffsets(spans);
    });
  }

  /**
   * The batch as the append thread's request, every record checked before any is encoded. Compact to post: the
   * records' JSON texts joined by NUL (JSON.stringify escapes every control character, so none occurs inside one)
   * as one transferred UTF-8 buffer, and the few distinct (source, table, kind, op) of the batch as a dictionary
   * with one index per row: a string array per column cost a serialized string per field, the largest part of
   * posting a batch.
   */
  private encode(batch: readonly LogRecord[], options: AppendOptions): { request: Record<string, unknown>; transfer: ArrayBuffer[] } {
    const n = batch.length;
    for (let i = 0; i < n; i++) checkRecord(batch[i], `to append at index ${i} of the batch for ${this.name}`);
    const dict: [string, string, string, string | null][] = [];
    const seen = new Map<string, number>();
    const combo = new Int32Array(n);
    const records: string[] = new Array(n);
    let last: LogRecord | null = null, lastIndex = -1;
    for (let i = 0; i < n; i++) {
      const v = batch[i]!;
      const op = v.kind === 'change' ? v.op : null;
      // runs of one (source, table, kind, op) are the rule: compare with the previous row before any map lookup
      if (last === null || v.source !== last.source || v.table !== last.table || v.kind !== last.kind || op !== (last.kind === 'change' ? last.op : null)) {
        const key = JSON.stringify([v.source, v.table ?? '', v.kind, op]); // (unambiguous whatever the names hold)
        let k = seen.get(key);
        if (k === undefined) { k = dict.length; dict.push([v.source, v.table ?? '', v.kind, op]); seen.set(key, k); }
        lastIndex = k;
        last = v;
      }
      combo[i] = lastIndex;
      records[i] = encodeRecord(v);
    }
    // as UTF-8 bytes: a transferred buffer moves for free, a posted string is copied by the serializer
    const text = ownedArrayBuffer(Buffer.from(records.join('\0'), 'utf8'));
    return {
      request: {
        rows: n, dict, combo, records: text, now: Date.now(),
        spSource: options.sourcePosition?.source ?? null, spPosition: options.sourcePosition?.position ?? null,
      },
      transfer: [combo.buffer, text],
    };
  }

  /** The in-memory log's append, on the caller's thread. */
  private async appendHere(batch: readonly LogRecord[], options: AppendOptions): Promise<AppendResult> {
    // every record checked before anything is written; each is encoded right where it is bound (no wrapper per record)
    const rows = batch.map((r, i) => checkRecord(r, `to append at index ${i} of the batch for ${this.name}`));
    const now = Date.now();
    const ends = this.guard('append', () => this.db.transaction(() => {
      // the [first, last] seqs of each statement's rows
      const spans: number[] = [];
      let last: number | null = null;
      // Multi-row INSERTs: one statement step per INSERT_CHUNK rows instead of one per row (the per-row run() was a
      // quarter of capture's CPU). Inside this write transaction nobody else inserts, so the rows of one statement get
      // consecutive AUTOINCREMENT seqs ending at lastInsertRowid.
      let i = 0;
      while (i < rows.length) {
        const n = Math.min(INSERT_CHUNK, rows.length - i);
        const stmt = n === INSERT_CHUNK ? this.stmts.insertMany : n === 1 ? this.stmts.insert : this.insertOf(n);
        const params: (string | number | null)[] = new Array(n * 6);
        for (let j = 0; j < n; j++) {
          const v = rows[i + j]!;
          const b = j * 6;
          params[b] = v.source; params[b + 1] = v.table ?? ''; params[b + 2] = v.kind;
          params[b + 3] = v.kind === 'change' ? v.op : null; params[b + 4] = encodeRecord(v); params[b + 5] = now;
        }
        const info = stmt.run(params);
        last = Number(info.lastInsertRowid);
        if (info.changes !== n) throw new Error(`inserted ${info.changes} of ${n} entries`);
        spans.push(last - n + 1, last);
        i += n;
      }
      if (options.sourcePosition) {
        this.stmts.upsertSource.run(options.sourcePosition.source, options.sourcePosition.position, last, now);
      }
      return spans;
    }).immediate());
    recordAppend(this.name, batch);
    if (rows.length > 0) this.wakeup.notify();
    return spansToOffsets(ends);
  }

  async read(after: LogOffset | null, limit: number): Promise<LogEntry[]> {
    const from = after === null ? 0 : this.toSeq(after);
    const rows = this.guard('read', () => this.stmts.read.all(from, checkLimit(limit)));
    return rows.map((r) => ({
      offset: String(r.seq),
      record: decodeRecord(r.record, `at offset ${r.seq} of ${this.name}`),
      appendedAt: new Date(r.appended_at).toISOString(),
    }));
  }

  tail(after: LogOffset | null, signal: AbortSignal, options: TailOptions = {}): AsyncIterable<LogEntry[]> {
    return pollTail((a, l) => this.read(a, l), after, signal,
      { batchSize: options.batchSize ?? 1000, minDelayMs: 5, maxDelayMs: 20, wakeup: this.wakeup });
  }

  async lastSourcePosition(source: string): Promise<string | null> {
    return this.guard('lastSourcePosition', () => this.stmts.getSource.get(source)?.position ?? null);
  }

  async registerConsumer(name: string, at: LogOffset | null = null): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    const seq = at === null ? null : this.toSeq(at);
    this.guard('registerConsumer', () => this.stmts.insertConsumer.run(name, seq, Date.now()));
    return this.checkpoint(name);
  }

  async checkpoint(name: string): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    const row = this.guard('checkpoint', () => this.stmts.getConsumer.get(name));
    return row ? toCheckpoint(row) : { name, offset: null, updatedAt: new Date(0).toISOString() };
  }

  async commit(name: string, expected: LogOffset | null, next: LogOffset | null): Promise<void> {
    checkConsumerName(name);
    const exp = expected === null ? null : this.toSeq(expected);
    const nxt = next === null ? null : this.toSeq(next);
    this.guard('commit', () => this.db.transaction(() => {
      const row = this.stmts.getConsumer.get(name);
      if (!row) {
        // First commit of an unregistered consumer: it was at the start.
        if (exp !== null) throw new CheckpointConflictError(name, expected, null);
        this.stmts.insertConsumer.run(name, nxt, Date.now());
        return;
      }
      if (this.stmts.casConsumer.run(nxt, Date.now(), name, exp).changes !== 1) {
        throw new CheckpointConflictError(name, expected, row.seq === null ? null : String(row.seq));
      }
    }).immediate());
  }

  async consumers(): Promise<ConsumerCheckpoint[]> {
    return this.guard('consumers', () => this.stmts.listConsumers.all().map(toCheckpoint));
  }

  async dropConsumer(name: string): Promise<void> {
    checkConsumerName(name);
    this.guard('dropConsumer', () => this.stmts.dropConsumer.run(name));
  }

  async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const cutoff = (policy.now ?? new Date()).getTime() - policy.maxAgeMs;
    return this.guard('applyRetention', () => this.db.transaction((): RetentionResult => {
      // Inside the write transaction: no consumer can move (or be added) between reading the minimum and deleting.
      const m = this.db.prepare('SELECT count(*) AS n, min(seq) AS lo, sum(seq IS NULL) AS nulls FROM siphon_log_consumers')
        .get() as { n: number; lo: number | null; nulls: number | null };
      if (m.n === 0 || (m.nulls ?? 0) > 0 || m.lo === null) return { deleted: 0, upTo: null };
      const top = this.db.prepare('SELECT max(seq) AS s FROM siphon_log WHERE seq <= ? AND appended_at < ?').get(m.lo, cutoff) as { s: number | null };
      if (top.s === null) return { deleted: 0, upTo: null };
      const info = this.db.prepare('DELETE FROM siphon_log WHERE seq <= ?').run(top.s);
      return { deleted: info.changes, upTo: String(top.s) };
    }).immediate());
  }

  async stats(): Promise<LogStats> {
    return this.guard('stats', () => {
      const s = this.db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM siphon_log').get() as { n: number; lo: number | null; hi: number | null };
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      const size = this.db.pragma('page_size', { simple: true }) as number;
      return { entries: s.n, firstOffset: s.lo === null ? null : String(s.lo), lastOffset: s.hi === null ? null : String(s.hi), bytes: pages * size };
    });
  }

  compareOffsets(a: LogOffset, b: LogOffset): number {
    return this.toSeq(a) - this.toSeq(b);
  }

  offsetBefore(offset: LogOffset): LogOffset | null {
    const s = this.toSeq(offset);
    return s <= 1 ? null : String(s - 1);
  }

  parseOffset(text: string): LogOffset {
    return String(this.toSeq(text.trim()));
  }

  private toSeq(offset: LogOffset): number {
    if (!OFFSET_RE.test(offset)) throw new InvalidOffsetError(offset, this.name, 'a non-negative integer (the entry sequence number)');
    return Number(offset);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appender?.close();
    this.db.close();
  }
}

/** Offsets from [first, last] seq pairs, as text only when asked for (capture never reads them). */
function spansToOffsets(ends: readonly number[]): AppendResult {
  return lazyOffsets(() => {
    const out: LogOffset[] = [];
    for (let k = 0; k < ends.length; k += 2) for (let s = ends[k]!; s <= ends[k + 1]!; s++) out.push(String(s));
    return out;
  });
}

function toCheckpoint(r: ConsumerRow): ConsumerCheckpoint {
  return { name: r.name, offset: r.seq === null ? null : String(r.seq), updatedAt: new Date(r.updated_at).toISOString() };
}
