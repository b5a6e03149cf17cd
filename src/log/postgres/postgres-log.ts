import pg from 'pg';
import { withPgTransaction } from '../../backends/postgres/transaction.js';
import { redactUrl } from '../../backends/url.js';
import type { LogRecord } from '../change.js';
import { checkRecord } from '../check.js';
import { decodeRecord, encodeRecord } from '../codec.js';
import { CheckpointConflictError, InvalidLogNameError, LogClosedError, LogError, LogNotFoundError, LogStorageError } from '../errors.js';
import { recordAppend } from '../metrics.js';
import { lazyOffsets } from '../offsets.js';
import { checkConsumerName, checkLimit } from '../names.js';
import { pollTail, Wakeup } from '../tail.js';
import type {
  AppendOptions, AppendResult, ConsumerCheckpoint, EventLog, LogCapabilities, LogEntry, LogOffset, LogStats,
  RetentionPolicy, RetentionResult, TailOptions,
} from '../types.js';
import { comparePg, formatPgOffset, parsePgOffset, type PgOffset } from './offsets.js';
import { postgresSchema } from './schema.js';
import { copyJson, type CopyPayload, copyText } from './copy.js';
import { AppendThread, ownedArrayBuffer } from '../append-thread.js';
import { type StoredBatch, storedCount, storedOffsets } from './stored.js';

const COPY_CHUNK = 500;
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

interface EntryRow { xid: string; pos: string; record: string; appended_at: Date }
interface ConsumerRow { name: string; xid: string | null; pos: string | null; updated_at: Date }

/**
 * The PostgreSQL log: gap-free reading under concurrent writers (see schema.ts for the rule and why), batches
 * appended with COPY, one transaction per batch, NOTIFY on commit to wake tailers
 * (which also poll with backoff: a notified entry may stay invisible while an older transaction is open).
 *
 * Cost of the rule: a transaction left open anywhere in the cluster holds readers back until it ends (they see a
 * pause, never a gap). Keep the log on a cluster without long-running transactions, or watch `siphon_log_*` lag.
 */
export class PostgresLog implements EventLog {
  readonly capabilities: LogCapabilities = { pushTail: true, distributed: true, atomicSourcePosition: true, pipelinedAppends: true };
  private closed = false;
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private readonly wakeup = new Wakeup();
  private readonly channel: string;
  private readonly t: { entries: string; consumers: string; sources: string };
  private readonly appender: AppendThread<StoredBatch>;

  private constructor(readonly name: string, private readonly pool: pg.Pool, private readonly connectionString: string, readonly schema: string) {
    this.channel = `${schema}_appended`;
    this.t = { entries: `${schema}.entries`, consumers: `${schema}.consumers`, sources: `${schema}.sources` };
    this.appender = new AppendThread<StoredBatch>(new URL('./pg-append-worker.mjs', import.meta.url),
      { connectionString, entries: this.t.entries, sources: this.t.sources, channel: this.channel });
    // An idle client erroring (server restart) must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  /**
   * `postgres://…/db?schema=NAME` (schema defaults to siphon_log). Creates the tables if missing, unless `mustExist`:
   * then a schema without the log's tables is a LogNotFoundError and nothing is created.
   */
  static async open(url: string, options: { mustExist?: boolean } = {}): Promise<PostgresLog> {
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? 'siphon_log';
    u.searchParams.delete('schema');
    const name = redactUrl(url);
    if (!SCHEMA_RE.test(schema)) throw new InvalidLogNameError('schema', schema, 'lower-case letters, digits and _, starting with a letter or _');
    const connectionString = u.toString();
    // (3 + the append thread's own connection: the 4 the log always used)
    const pool = new pg.Pool({ connectionString, max: 3 });
    const log = new PostgresLog(name, pool, connectionString, schema);
    try {
      if (options.mustExist) {
        const found = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schema}.entries`]);
        if (found.rows[0]?.t == null) throw new LogNotFoundError(name, `schema ${schema} holds no log (no table ${schema}.entries)`);
      }
      await log.tx(async (c) => {
        // Serialise concurrent first opens: CREATE … IF NOT EXISTS is not race-free in PostgreSQL.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`siphon_log:${schema}`]);
        await c.query(postgresSchema(schema));
      });
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e instanceof LogError ? e : new LogStorageError(name, 'open', e);
    }
    return log;
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPgTransaction(this.pool, fn);
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LogClosedError(this.name);
    try { return await fn(); } catch (e) {
      if (e instanceof LogError) throw e;
      throw new LogStorageError(this.name, operation, e);
    }
  }

  /**
   * Pipelined (capabilities.pipelinedAppends): the batch is checked and encoded to COPY text now, on the caller's
   * turn, then stored by the append thread (pg-append-worker.mjs) in call order, one transaction each. Capture thus
   * encodes batch N+1 while batch N commits, and the round trips no longer wait for turns of its busy event loop.
   * Fail-stop: if an earlier append still in flight fails, this one is not stored (EarlierAppendFailedError), so a
   * checkpoint never lands after a batch that is missing.
   */
  append(batch: readonly LogRecord[], options: AppendOptions = {}): Promise<AppendResult> {
    if (batch.length === 0 && !options.sourcePosition) return Promise.resolve({ offsets: [] });
    if (this.closed) return Promise.reject(new LogClosedError(this.name));
    return this.appender.append(this.name, () => {
      const payload = this.encode(batch);
      const chunks = payload.chunks.map(ownedArrayBuffer);
      const position = options.sourcePosition;
      return { request: { rows: payload.rows, chunks, source: position?.source ?? null, position: position?.position ?? null }, transfer: chunks };
    }, (stored) => {
      // committed already: a mismatch here is reported (capture stops; its checkpoint went with these entries)
      const held = storedCount(stored);
      if (held !== batch.length) {
        throw new LogStorageError(this.name, 'append', new Error(`copied ${batch.length} entries but the transaction holds ${held}`));
      }
      recordAppend(this.name, batch);
      return lazyOffsets(() => storedOffsets(stored));
    });
  }

  /**
   * Check every record first (cheap), so a bad record rejects the batch before anything is sent, then encode it
   * straight into COPY text: kind and op are fixed words, the record is JSON (see copyJson).
   */
  private encode(batch: readonly LogRecord[]): CopyPayload {
    const n = batch.length;
    for (let i = 0; i < n; i++) checkRecord(batch[i], `to append at index ${i} of the batch for ${this.name}`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < n; i += COPY_CHUNK) {
      let text = '';
      for (let j = i; j < Math.min(n, i + COPY_CHUNK); j++) {
        const v = batch[j]!;
        text += `${copyText(v.source)}\t${copyText(v.table ?? '')}\t${v.kind}\t${v.kind === 'change' ? v.op : '\\N'}\t${copyJson(encodeRecord(v))}\n`;
      }
      chunks.push(Buffer.from(text, 'utf8'));
    }
    return { rows: n, chunks };
  }

  async read(after: LogOffset | null, limit: number): Promise<LogEntry[]> {
    const from = after === null ? { xid: 0n, pos: 0n } : parsePgOffset(after, this.name);
    checkLimit(limit);
    const r = await this.run('read', () => this.pool.query<EntryRow>(
      `SELECT transaction_id::text AS xid, position::text AS pos, record, appended_at FROM ${this.t.entries}
       WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id, position LIMIT $3`, [from.xid.toString(), from.pos.toString(), limit]));
    return r.rows.map((x) => {
      const offset = `${x.xid}:${x.pos}`;
      return { offset, record: decodeRecord(x.record, `at offset ${offset} of ${this.name}`), appendedAt: x.appended_at.toISOString() };
    });
  }

  tail(after: LogOffset | null, signal: AbortSignal, options: TailOptions = {}): AsyncIterable<LogEntry[]> {
    const self = this;
    return (async function* () {
      await self.listen();
      yield* pollTail((a, l) => self.read(a, l), after, signal,
        { batchSize: options.batchSize ?? 1000, minDelayMs: 5, maxDelayMs: 50, wakeup: self.wakeup });
    })();
  }

  /** One LISTEN connection per log instance, shared by its tailers. */
  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const c = new pg.Client({ connectionString: this.connectionString });
      c.on('notification', () => this.wakeup.notify());
      c.on('error', () => { this.listener = null; this.listening = null; this.wakeup.notify(); });
      await c.connect();
      await c.query(`LISTEN ${this.channel}`);
      this.listener = c;
    })().catch((e: unknown) => { this.listening = null; throw new LogStorageError(this.name, 'listen', e); });
    return this.listening;
  }

  async lastSourcePosition(source: string): Promise<string | null> {
    const r = await this.run('lastSourcePosition', () =>
      this.pool.query<{ position: string }>(`SELECT position FROM ${this.t.sources} WHERE source = $1`, [source]));
    return r.rows[0]?.position ?? null;
  }

  async registerConsumer(name: string, at: LogOffset | null = null): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    const o = at === null ? null : parsePgOffset(at, this.name);
    await this.run('registerConsumer', () => this.pool.query(
      `INSERT INTO ${this.t.consumers} (name, transaction_id, position) VALUES ($1, $2::text::xid8, $3::bigint)
       ON CONFLICT (name) DO NOTHING`, [name, o?.xid.toString() ?? null, o?.pos.toString() ?? null]));
    return this.checkpoint(name);
  }

  async checkpoint(name: string): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    const r = await this.run('checkpoint', () => this.pool.query<ConsumerRow>(
      `SELECT name, transaction_id::text AS xid, position::text AS pos, updated_at FROM ${this.t.consumers} WHERE name = $1`, [name]));
    const row = r.rows[0];
    return row ? toCheckpoint(row) : { name, offset: null, updatedAt: new Date(0).toISOString() };
  }

  async commit(name: string, expected: LogOffset | null, next: LogOffset | null): Promise<void> {
    checkConsumerName(name);
    const e = expected === null ? null : parsePgOffset(expected, this.name);
    const n = next === null ? null : parsePgOffset(next, this.name);
    await this.run('commit', async () => {
      const args = [name, n?.xid.toString() ?? null, n?.pos.toString() ?? null, e?.xid.toString() ?? null, e?.pos.toString() ?? null];
      const u = await this.pool.query(
        `UPDATE ${this.t.consumers} SET transaction_id = $2::text::xid8, position = $3::bigint, updated_at = now()
         WHERE name = $1 AND transaction_id IS NOT DISTINCT FROM $4::text::xid8 AND position IS NOT DISTINCT FROM $5::bigint`, args);
      if (u.rowCount === 1) return;
      if (e === null) {
        // First commit of an unregistered consumer (it was at the start).
        const i = await this.pool.query(
          `INSERT INTO ${this.t.consumers} (name, transaction_id, position) VALUES ($1, $2::text::xid8, $3::bigint)
           ON CONFLICT (name) DO NOTHING`, args.slice(0, 3));
        if (i.rowCount === 1) return;
      }
      const actual = await this.checkpoint(name);
      throw new CheckpointConflictError(name, expected, actual.offset);
    });
  }

  async consumers(): Promise<ConsumerCheckpoint[]> {
    const r = await this.run('consumers', () => this.pool.query<ConsumerRow>(
      `SELECT name, transaction_id::text AS xid, position::text AS pos, updated_at FROM ${this.t.consumers} ORDER BY name`));
    return r.rows.map(toCheckpoint);
  }

  async dropConsumer(name: string): Promise<void> {
    checkConsumerName(name);
    await this.run('dropConsumer', () => this.pool.query(`DELETE FROM ${this.t.consumers} WHERE name = $1`, [name]));
  }

  async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const cutoff = new Date((policy.now ?? new Date()).getTime() - policy.maxAgeMs);
    return this.run('applyRetention', () => this.tx(async (c) => {
      // Lock out commits, registrations and drops while the minimum is read and the delete runs.
      await c.query(`LOCK TABLE ${this.t.consumers} IN SHARE ROW EXCLUSIVE MODE`);
      const m = await c.query<{ n: string; nulls: string }>(
        `SELECT count(*)::text AS n, count(*) FILTER (WHERE transaction_id IS NULL)::text AS nulls FROM ${this.t.consumers}`);
      if (m.rows[0]!.n === '0' || m.rows[0]!.nulls !== '0') return { deleted: 0, upTo: null };
      const lo = (await c.query<{ xid: string; pos: string }>(
        `SELECT transaction_id::text AS xid, position::text AS pos FROM ${this.t.consumers} ORDER BY transaction_id, position LIMIT 1`)).rows[0]!;
      const d = await c.query(
        `WITH gone AS (DELETE FROM ${this.t.entries}
           WHERE (transaction_id, position) <= ($1::text::xid8, $2::bigint) AND appended_at < $3
           RETURNING transaction_id, position)
         SELECT (SELECT count(*) FROM gone)::text AS n,
                (SELECT transaction_id::text || ':' || position FROM gone ORDER BY transaction_id DESC, position DESC LIMIT 1) AS last`,
        [lo.xid, lo.pos, cutoff]);
      const row = d.rows[0] as unknown as { n: string; last: string | null };
      return { deleted: Number(row.n), upTo: row.last };
    }));
  }

  async stats(): Promise<LogStats> {
    return this.run('stats', async () => {
      const r = await this.pool.query<{ n: string; bytes: string; first: string | null; last: string | null }>(
        `SELECT (SELECT count(*) FROM ${this.t.entries})::text AS n,
                pg_total_relation_size('${this.t.entries}')::text AS bytes,
                (SELECT transaction_id::text || ':' || position FROM ${this.t.entries} ORDER BY transaction_id, position LIMIT 1) AS first,
                (SELECT transaction_id::text || ':' || position FROM ${this.t.entries} ORDER BY transaction_id DESC, position DESC LIMIT 1) AS last`);
      const x = r.rows[0]!;
      return { entries: Number(x.n), firstOffset: x.first, lastOffset: x.last, bytes: Number(x.bytes) };
    });
  }

  compareOffsets(a: LogOffset, b: LogOffset): number {
    return comparePg(parsePgOffset(a, this.name), parsePgOffset(b, this.name));
  }

  offsetBefore(offset: LogOffset): LogOffset | null {
    const o: PgOffset = parsePgOffset(offset, this.name);
    if (o.pos === 0n) return o.xid === 0n ? null : formatPgOffset({ xid: o.xid - 1n, pos: 9223372036854775807n });
    return formatPgOffset({ xid: o.xid, pos: o.pos - 1n });
  }

  parseOffset(text: string): LogOffset {
    return formatPgOffset(parsePgOffset(text, this.name));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeup.notify();
    const l = this.listener;
    this.listener = null;
    await Promise.all([l?.end().catch(() => undefined), this.pool.end().catch(() => undefined), this.appender.close()]);
  }
}

function toCheckpoint(r: ConsumerRow): ConsumerCheckpoint {
  return { name: r.name, offset: r.xid === null ? null : `${r.xid}:${r.pos}`, updatedAt: r.updated_at.toISOString() };
}
