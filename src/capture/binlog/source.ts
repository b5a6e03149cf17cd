import ZongJi, { type AnyBinlogEvent, type QueryEvent, type RotateEvent, type RowsEvent, type TableMapEntry, type TableMapEvent } from '@vlasky/zongji';
import type { Database } from '../../backends/types.js';
import type { DdlEvent } from '../../log/change.js';
import type { Row, Value } from '../../values/index.js';
import { createLogger } from '../../observe/logger.js';
import { BinlogPurgedError, CaptureSetupError, SchemaChangedError } from '../errors.js';
import { binlogDecoder } from '../decode/mysql.js';
import { pad, toRecord } from '../records.js';
import { CaptureRuntime } from '../runtime.js';
import { type CapturedTable, capturedTable, ddlColumns, describeFresh, resolveTables } from '../tables.js';
import type { CaptureOptions, CaptureSink, CaptureSource, CaptureStatus } from '../types.js';
import { type BinlogCheckpoint, changePosition, comparePositions, decodeCheckpoint, encodeCheckpoint } from './position.js';
import { zongjiConnection, serverIdFor } from './connection.js';
import { ddlTarget } from './ddl.js';
import { rawColumns } from './raw-columns.js';

export interface BinlogOptions extends CaptureOptions {
  /** Replica server id for the binlog connection (default: derived from the source and database names). */
  readonly serverId?: number;
  /**
   * Ignore the stored position and start at the current end of the binary log (after a purge: the tables must then
   * be backfilled from scratch, since changes in between are lost to capture).
   */
  readonly reset?: boolean;
}

type RowsEv = RowsEvent & { rows: Record<string, unknown>[] | { before: Record<string, unknown>; after: Record<string, unknown> }[] };

/**
 * MariaDB/MySQL binary-log capture with zongji. Rows events of the captured tables become changes, positioned by
 * `FILE:OFFSET:ROW`; each append stores zongji's safe resume point with the last stored position, so a restart
 * re-reads at most the transaction that was in flight and skips what is already in the log. DDL statements on a
 * captured table (QueryEvent) are recorded and followed or stop capture. A purged binary log is a clear error.
 */
export class BinlogCapture implements CaptureSource {
  readonly method = 'binlog' as const;
  readonly source: string;
  /** Columns whose type has no canonical mapping, as `table.column (type)`, reported in status. */
  private unknownTypes: string | null = null;
  private readonly runtime: CaptureRuntime;
  private zongji: ZongJi | null = null;
  private tables = new Map<string, CapturedTable>();
  private schema = '';
  private file = '';
  private skipUpTo: string | null = null;
  private lastPos: string | null = null;
  private gtid: string | null = null;
  private paused = false;
  private blocked: Promise<void> | null = null;
  private backlog: { ev: AnyBinlogEvent; cp: () => BinlogCheckpoint }[] = [];
  private readonly log = createLogger('capture.binlog');

  constructor(private readonly db: Database, private readonly url: string, private readonly options: BinlogOptions) {
    this.source = options.source;
    this.runtime = new CaptureRuntime(options.source, 'binlog', options.batchSize ?? 2000, options.flushIntervalMs ?? 5);
  }

  get finished(): Promise<void> { return this.runtime.finished; }

  async start(sink: CaptureSink): Promise<void> {
    const { tables, unknownTypesSummary } = await resolveTables(this.db, this.options.tables, this.log);
    this.tables = tables;
    this.unknownTypes = unknownTypesSummary;
    const dbRow = await this.db.query('SELECT DATABASE() AS d');
    this.schema = String(dbRow[0]?.['d'] ?? '');
    const logs = await this.binaryLogs();
    const stored = await sink.lastCheckpoint();
    let cp: BinlogCheckpoint;
    this.runtime.begin(sink);
    if (stored !== null && !this.options.reset) {
      cp = decodeCheckpoint(this.source, stored);
      if (!logs.includes(cp.file)) throw new BinlogPurgedError(this.source, cp.file, logs);
      this.skipUpTo = cp.last;
      this.lastPos = cp.last;
      this.gtid = cp.gtid;
    } else {
      // first start: store the current end as the position before reading, so a crash before the first change does
      // not move the start past changes made meanwhile
      const st = await this.db.query('SHOW MASTER STATUS');
      const file = st[0]?.['File'], pos = st[0]?.['Position'];
      if (typeof file !== 'string' || pos === undefined || pos === null) {
        throw new CaptureSetupError(this.source, 'the binary log is off (SHOW MASTER STATUS is empty): set log_bin, binlog_format=ROW and binlog_row_image=FULL, then restart MariaDB');
      }
      cp = { file, pos: Number((pos as { v: string }).v ?? pos), last: null, gtid: null };
      this.runtime.advance(encodeCheckpoint(cp));
      await this.runtime.flush();
      if (this.runtime.state !== 'running') throw this.runtime.error ?? new Error('initial checkpoint failed');
    }
    this.file = cp.file;
    await this.open(cp);
  }

  private async binaryLogs(): Promise<string[]> {
    try {
      const rows = await this.db.query('SHOW BINARY LOGS');
      return rows.map((r) => String(r['Log_name']));
    } catch (e) {
      throw new CaptureSetupError(this.source, `cannot list binary logs (${(e as Error).message}): grant REPLICATION CLIENT and enable log_bin`);
    }
  }

  private open(cp: BinlogCheckpoint): Promise<void> {
    const z = new ZongJi(zongjiConnection(this.url));
    this.zongji = z;
    const names = [...this.tables.keys()];
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      z.on('ready', () => { ready = true; resolve(); });
      z.on('error', (e: Error & { code?: string; errno?: number }) => {
        const err = e.errno === 1236 || /purged|could not find first log/i.test(e.message)
          ? new BinlogPurgedError(this.source, cp.file, []) : e;
        if (!ready) reject(err);
        this.runtime.fail(err);
        void this.close();
      });
      z.on('binlog', (ev: AnyBinlogEvent) => this.onEvent(ev));
      z.start({
        serverId: this.options.serverId ?? serverIdFor(this.source, this.schema), filename: cp.file, position: cp.pos,
        includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'query', 'xid', 'rotate', 'mariadbgtid'],
        includeSchema: { [this.schema]: names },
      });
    });
  }

  private checkpointNow(): () => BinlogCheckpoint {
    // file/pos must be read now (they move with the stream); the GTID is informational and read when the checkpoint
    // is built, so a busy stream does not format it once per event
    const z = this.zongji!;
    const file = z.options.filename ?? this.file, pos = z.options.position ?? 4, last = this.lastPos;
    return () => ({ file, pos, last, gtid: this.zongji?.gtidSet ?? this.gtid });
  }

  private onEvent(ev: AnyBinlogEvent): void {
    // at once, even while a DDL holds events back: zongji parses the rows that follow with this table map
    if (ev.getEventName() === 'tablemap') { const t = ev as TableMapEvent; rawColumns(t.tableMap[t.tableId]); return; }
    if (this.runtime.state !== 'running') return;
    if (this.blocked || this.backlog.length > 0) {
      // a DDL is being handled: keep order, with the resume point as it was when the event arrived
      const cpAt = this.checkpointNow();
      this.backlog.push({ ev, cp: cpAt });
      return;
    }
    this.handle(ev, this.checkpointNow());
  }

  private handle(ev: AnyBinlogEvent, cpAt: () => BinlogCheckpoint): void {
    switch (ev.getEventName()) {
      case 'rotate': this.file = (ev as RotateEvent).binlogName; return;
      case 'writerows': case 'updaterows': case 'deleterows': this.rows(ev as RowsEv, cpAt); return;
      case 'xid': { const last = this.lastPos; this.runtime.advance(() => encodeCheckpoint({ ...cpAt(), last })); return; }
      case 'query': this.query(ev as QueryEvent, cpAt); return;
      default: return;
    }
  }

  private rows(ev: RowsEv, cpAt: () => BinlogCheckpoint): void {
    const map: TableMapEntry | undefined = ev.tableMap[ev.tableId];
    if (!map || map.parentSchema !== this.schema) return;
    const table = this.tables.get(map.tableName);
    if (!table) return;
    const name = ev.getEventName();
    const op = name === 'writerows' ? 'insert' : name === 'updaterows' ? 'update' : 'delete';
    const at = new Date(ev.timestamp).toISOString();
    const txid = ev.gtid ?? null;
    const decoders = this.decodersOf(table);
    // the event's file and offset, formatted once: rows differ only in their index
    const prefix = changePosition(this.file, ev.nextPosition, 0).slice(0, -6);
    const rows = ev.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const position = prefix + pad(i, 6);
      if (this.skipUpTo !== null) {
        if (comparePositions(position, this.skipUpTo) <= 0) continue;
        this.skipUpTo = null; // positions only grow from here: stop comparing every row
      }
      this.lastPos = position;
      const before = op === 'insert' ? null : this.convert(op === 'update' ? (r as { before: Record<string, unknown> }).before : r as Record<string, unknown>, decoders);
      const after = op === 'delete' ? null : this.convert(op === 'update' ? (r as { after: Record<string, unknown> }).after : r as Record<string, unknown>, decoders);
      const record = toRecord(this.source, { table, op, before, after, position, txid, at });
      // (an inline closure: a named one costs a keepNames call per row under tsx)
      if (record) this.runtime.push(record, () => encodeCheckpoint({ ...cpAt(), last: position }));
      else this.runtime.advance(() => encodeCheckpoint({ ...cpAt(), last: position }));
    }
    this.backpressure();
  }

  /** Per-table column decoders, built once per table description (a DDL followed replaces the description). */
  private readonly decoders = new WeakMap<CapturedTable, Map<string, (v: unknown) => Value>>();
  private decodersOf(table: CapturedTable): Map<string, (v: unknown) => Value> {
    let d = this.decoders.get(table);
    if (!d) {
      d = new Map();
      for (const [name, c] of table.columns) d.set(name, binlogDecoder(c));
      this.decoders.set(table, d);
    }
    return d;
  }

  private convert(raw: Record<string, unknown>, decoders: Map<string, (v: unknown) => Value>): Row {
    const row: Row = {};
    for (const name in raw) {
      let decode = decoders.get(name);
      if (!decode) {
        decode = binlogDecoder({ name, type: 'unknown', nativeType: 'unknown', nullable: true });
        decoders.set(name, decode);
      }
      row[name] = decode(raw[name]);
    }
    return row;
  }

  /** Pause the binlog socket while too much waits for the log; resumed after appends catch up. */
  private backpressure(): void {
    const high = (this.options.batchSize ?? 2000) * 4;
    if (!this.paused && this.runtime.buffered > high) {
      this.paused = true;
      this.zongji?.connection?.pause();
      // resume at half the bound, not when the buffer is empty: decoding then overlaps the appends still to come
      // (waiting for empty left the event loop idle during each last append)
      void this.runtime.drainedTo(high / 2).then(() => { this.paused = false; this.zongji?.connection?.resume(); });
    }
  }

  private query(ev: QueryEvent, cpAt: () => BinlogCheckpoint): void {
    const q = (ev as QueryEvent & { query: string }).query;
    if (/^\s*COMMIT\s*$/i.test(q)) { this.runtime.advance(encodeCheckpoint({ ...cpAt(), last: this.lastPos })); return; }
    const target = ddlTarget(q, (ev as QueryEvent & { schema: string }).schema, this.schema);
    if (!target || !this.tables.has(target)) return;
    const position = changePosition(this.file, ev.nextPosition, 0);
    if (this.skipUpTo !== null && comparePositions(position, this.skipUpTo) <= 0) return;
    this.lastPos = position;
    this.blocked = this.ddl(target, q, position, new Date(ev.timestamp).toISOString(), cpAt).then(() => {
      this.blocked = null;
      while (this.backlog.length > 0 && !this.blocked && this.runtime.state === 'running') {
        const { ev: next, cp } = this.backlog.shift()!;
        this.handle(next, cp);
      }
    }, (e: Error) => this.runtime.fail(e));
  }

  private async ddl(table: string, statement: string, position: string, at: string, cpAt: () => BinlogCheckpoint): Promise<void> {
    let now = null;
    try { now = await describeFresh(this.db, table); } catch { /* dropped or renamed: columns unknown */ }
    const record: DdlEvent = { kind: 'ddl', source: this.source, table, statement, columns: now ? ddlColumns(now) : null, position, txid: null, at };
    this.runtime.push(record, encodeCheckpoint({ ...cpAt(), last: position }));
    await this.runtime.flush();
    if ((this.options.onSchemaChange ?? 'stop') === 'stop' || !now) {
      this.runtime.fail(new SchemaChangedError(this.source, table, now ? statement : `${statement} (table no longer exists)`, position));
      await this.close();
      return;
    }
    this.tables.set(table, capturedTable(now));
    this.log.info({ table, statement }, 'schema change followed');
  }

  private async close(): Promise<void> {
    const z = this.zongji;
    this.zongji = null;
    if (!z) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      z.once('stopped', () => { clearTimeout(t); resolve(); });
      try { z.stop(); } catch { clearTimeout(t); resolve(); }
    });
  }

  async stop(): Promise<void> {
    await this.close();
    if (this.blocked) await this.blocked;
    await this.runtime.end();
  }

  async status(): Promise<CaptureStatus> {
    let lag: number | null = null;
    try {
      const st = await this.db.query('SHOW MASTER STATUS');
      const pos = this.runtime.position ? decodeCheckpoint(this.source, this.runtime.position) : null;
      const p = st[0]?.['Position'];
      if (pos && st[0]?.['File'] === pos.file && p) lag = Math.max(0, Number((p as { v: string }).v ?? p) - pos.pos);
    } catch { /* status must not throw */ }
    return this.runtime.status(lag, { file: this.file, gtid: this.gtid, unknownTypes: this.unknownTypes });
  }
}
