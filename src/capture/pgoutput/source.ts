import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import type { Database } from '../../backends/types.js';
import type { DdlEvent } from '../../log/change.js';
import type { Row } from '../../values/index.js';
import { createLogger } from '../../observe/logger.js';
import { CapturePositionError, SchemaChangedError } from '../errors.js';
import { decodePostgresText } from '../decode/postgres.js';
import { pad, toRecord } from '../records.js';
import { CaptureRuntime } from '../runtime.js';
import { type CapturedTable, capturedTable, ddlColumns, describeFresh, resolveTables } from '../tables.js';
import type { CaptureOptions, CaptureSink, CaptureSource, CaptureStatus } from '../types.js';
import { HEARTBEAT_PREFIX, writeWatermark } from '../watermark.js';
import { defaultSlotName, ensurePublicationAndSlot, setReplicaIdentityFull, slotLagBytes, tablesWithoutFullIdentity } from './slot.js';

export interface PgoutputOptions extends CaptureOptions {
  readonly slot?: string;
  readonly publication?: string;
  /** Create the publication and the slot when missing (otherwise a missing slot is an error). */
  readonly createSlot?: boolean;
  /** ALTER TABLE … REPLICA IDENTITY FULL on captured tables that lack it (otherwise it is reported). */
  readonly setReplicaIdentityFull?: boolean;
  /**
   * Write a heartbeat row into the watermark table this often (ms; 0: never). When captured tables are idle while the
   * rest of the database is busy, nothing reaches the slot and it would hold WAL for ever; the heartbeat's commit
   * lets it confirm (Debezium's heartbeat.action.query). Default 10 s.
   */
  readonly heartbeatIntervalMs?: number;
}

/** Checkpoint: the last stored change position, and the commit end LSN up to which every transaction is stored. */
interface PgCheckpoint { readonly last: string | null; readonly ack: string | null }
const encode = (c: PgCheckpoint) => JSON.stringify({ m: 'pgoutput', last: c.last, ack: c.ack });

function decode(source: string, text: string): PgCheckpoint {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o['m'] === 'pgoutput') return { last: typeof o['last'] === 'string' ? o['last'] : null, ack: typeof o['ack'] === 'string' ? o['ack'] : null };
  } catch { /* below */ }
  throw new CapturePositionError(source, text, 'pgoutput ({"m":"pgoutput",…})');
}

/** 'A/1B2C' → 16 hex digits, so positions sort as text. */
export function lsnKey(lsn: string): string {
  const [hi = '0', lo = '0'] = lsn.split('/');
  return hi.padStart(8, '0').toUpperCase() + lo.padStart(8, '0').toUpperCase();
}

/** The pgoutput plugin with every type parser replaced by identity: tuples keep PostgreSQL's text forms. */
class TextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const m = super.parse(buffer);
    if (m.tag === 'relation') for (const c of m.columns) c.parser = (raw: unknown) => raw;
    return m;
  }
}

/**
 * PostgreSQL logical decoding (pgoutput). A change's position is `COMMITLSN:SEQ` (the transaction's commit LSN, 16
 * hex digits, and the change's rank in it): unique and in commit order. The slot's confirmed LSN is moved only after
 * a transaction's last change is in the log (so WAL is released only then); a restart replays from it, and changes at
 * or before the stored position are skipped. Relation messages reveal column changes: recorded as DDL records, then
 * followed or capture stops.
 */
export class PgoutputCapture implements CaptureSource {
  readonly method = 'pgoutput' as const;
  readonly source: string;
  /** Columns whose type has no canonical mapping, as `table.column (type)`, reported in status. */
  private unknownTypes: string | null = null;
  readonly slot: string;
  readonly publication: string;
  private readonly runtime: CaptureRuntime;
  private service: LogicalReplicationService | null = null;
  private tables = new Map<string, CapturedTable>();
  private relations = new Map<string, string>();
  private skipUpTo: string | null = null;
  private last: string | null = null;
  /** Commit end LSN of the last transaction seen whole (goes into checkpoints). */
  private ack: string | null = null;
  /** The LSN last confirmed to the slot (stored in the log before it was confirmed). */
  private acked: string | null = null;
  private tx: { lsn: string; seq: number; at: string; xid: string } | null = null;
  private missingFull: string[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly log = createLogger('capture.pgoutput');

  constructor(private readonly db: Database, private readonly url: string, private readonly options: PgoutputOptions) {
    this.source = options.source;
    this.slot = options.slot ?? defaultSlotName(options.source);
    this.publication = options.publication ?? this.slot;
    this.runtime = new CaptureRuntime(options.source, 'pgoutput', options.batchSize ?? 2000, options.flushIntervalMs ?? 5);
  }

  get finished(): Promise<void> { return this.runtime.finished; }

  async start(sink: CaptureSink): Promise<void> {
    const { tables, unknownTypesSummary } = await resolveTables(this.db, this.options.tables, this.log);
    this.tables = tables;
    this.unknownTypes = unknownTypesSummary;
    const names = [...tables.keys()];
    await ensurePublicationAndSlot(this.db, this.source, this.slot, this.publication, names, this.options.createSlot ?? false);
    this.missingFull = await tablesWithoutFullIdentity(this.db, names);
    if (this.missingFull.length > 0 && this.options.setReplicaIdentityFull) {
      await setReplicaIdentityFull(this.db, this.missingFull);
      this.missingFull = [];
    }
    if (this.missingFull.length > 0) {
      this.log.warn({ tables: this.missingFull }, 'REPLICA IDENTITY is not FULL: updates and deletes of these tables have no complete before image (use --set-replica-identity)');
    }
    const stored = await sink.lastCheckpoint();
    if (stored !== null) {
      const cp = decode(this.source, stored);
      this.skipUpTo = cp.last; this.last = cp.last; this.ack = cp.ack; this.acked = cp.ack;
    }
    this.runtime.begin(sink);
    this.runtime.afterWrite = (checkpoint) => this.acknowledge(decode(this.source, checkpoint).ack);
    await this.open();
    const every = this.options.heartbeatIntervalMs ?? 10_000;
    if (every > 0) {
      this.heartbeat = setInterval(() => {
        void writeWatermark(this.db, `${HEARTBEAT_PREFIX}${this.source}`, 'low').catch((e: Error) => this.log.warn({ err: e.message }, 'heartbeat write failed'));
      }, every);
      this.heartbeat.unref();
    }
  }

  private async acknowledge(lsn: string | null): Promise<void> {
    if (lsn && this.service) { await this.service.acknowledge(lsn); this.acked = lsn; }
  }

  private open(): Promise<void> {
    const u = new URL(this.url.replace(/^postgresql:/, 'postgres:'));
    u.searchParams.delete('schema'); u.searchParams.delete('search_path');
    // acknowledgements are ours alone (after the log append): no automatic ones, no timer acking what was received
    const service = new LogicalReplicationService({ connectionString: u.toString() },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } });
    this.service = service;
    const plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [this.publication] });
    service.on('data', (lsn: string, msg: Pgoutput.Message) => this.onMessage(lsn, msg));
    service.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) void service.acknowledge(this.acked ?? '0/0').catch(() => undefined);
    });
    return new Promise<void>((resolve, reject) => {
      let started = false;
      service.on('start', () => { started = true; resolve(); });
      service.on('error', (e: Error) => { if (!started) reject(e); this.runtime.fail(e); });
      service.subscribe(plugin, this.slot).catch((e: Error) => { if (!started) reject(e); this.runtime.fail(e); });
    });
  }

  private async onMessage(_lsn: string, msg: Pgoutput.Message): Promise<void> {
    if (this.runtime.state !== 'running') return;
    switch (msg.tag) {
      case 'begin':
        this.tx = { lsn: lsnKey(msg.commitLsn ?? '0/0'), seq: 0, at: new Date(Number(msg.commitTime) / 1000).toISOString(), xid: String(msg.xid) };
        return;
      case 'commit':
        this.tx = null;
        if (msg.commitEndLsn) {
          this.ack = msg.commitEndLsn;
          this.runtime.advance(encode({ last: this.last, ack: this.ack }));
        }
        break;
      case 'relation': await this.relation(msg); return;
      case 'insert': case 'update': case 'delete': this.change(msg); break;
      case 'truncate': for (const r of msg.relations) await this.ddl(r.name, 'TRUNCATE', null); return;
      default: return;
    }
    // backpressure: the replication stream is paused while this handler runs
    if (this.runtime.buffered >= (this.options.batchSize ?? 2000)) await this.runtime.flush();
  }

  private nextPosition(): string | null {
    if (!this.tx) return null;
    this.tx.seq++;
    const position = `${this.tx.lsn}:${pad(this.tx.seq, 6)}`;
    if (this.skipUpTo !== null && position <= this.skipUpTo) return null;
    return position;
  }

  private change(msg: Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete): void {
    const position = this.nextPosition();
    if (position === null || !this.tx) return;
    const table = this.tables.get(msg.relation.name);
    if (!table) return;
    this.last = position;
    const img = (t: Record<string, unknown> | null) => (t ? this.convert(t, table) : null);
    const keyImage = msg.tag === 'insert' ? null : img(msg.key);
    // without REPLICA IDENTITY FULL a delete carries only the key: that partial image is its before image
    const before = msg.tag === 'insert' ? null : img(msg.old) ?? (msg.tag === 'delete' ? keyImage : null);
    const after = msg.tag === 'delete' ? null : img(msg.new);
    const record = toRecord(this.source, { table, op: msg.tag, before, after, keyImage, position, txid: this.tx.xid, at: this.tx.at });
    const cp = encode({ last: position, ack: this.ack });
    if (record) this.runtime.push(record, cp);
    else this.runtime.advance(cp);
  }

  private convert(tuple: Record<string, unknown>, table: CapturedTable): Row {
    const row: Row = {};
    for (const [name, v] of Object.entries(tuple)) {
      if (v === undefined) continue; // unchanged TOAST value without REPLICA IDENTITY FULL: unknown, left out
      const c = table.columns.get(name) ?? { name, type: 'unknown' as const, nativeType: 'unknown', nullable: true };
      row[name] = v === null ? null : decodePostgresText(String(v), c);
    }
    return row;
  }

  /** A relation message describes a table's columns as of the next change: a difference is a schema change. */
  private async relation(msg: Pgoutput.MessageRelation): Promise<void> {
    const table = this.tables.get(msg.name);
    if (!table) return;
    const shape = msg.columns.map((c) => `${c.name}:${c.typeOid}:${c.typeMod}`).join(',');
    const previous = this.relations.get(msg.name);
    this.relations.set(msg.name, shape);
    const names = msg.columns.map((c) => c.name).join(',');
    const known = table.info.columns.map((c) => c.name).join(',');
    if ((previous === undefined && names === known) || previous === shape) return;
    await this.ddl(msg.name, null, `columns now ${names}`);
  }

  private async ddl(name: string, statement: string | null, detail: string | null): Promise<void> {
    const table = this.tables.get(name);
    if (!table) return;
    const position = this.nextPosition() ?? `${this.tx?.lsn ?? lsnKey('0/0')}:${pad(0, 6)}`;
    let now = null;
    try { now = await describeFresh(this.db, name); } catch { /* dropped meanwhile */ }
    const record: DdlEvent = {
      kind: 'ddl', source: this.source, table: name, statement, columns: now ? ddlColumns(now) : null, position,
      txid: this.tx?.xid ?? null, at: this.tx?.at ?? new Date().toISOString(),
    };
    this.runtime.push(record, encode({ last: this.last, ack: this.ack }));
    await this.runtime.flush();
    if (statement === 'TRUNCATE') return; // content change, recorded; the shape is the same
    if ((this.options.onSchemaChange ?? 'stop') === 'stop' || !now) {
      this.runtime.fail(new SchemaChangedError(this.source, name, detail ?? statement ?? 'changed', position));
      await this.service?.stop().catch(() => undefined);
      return;
    }
    this.tables.set(name, capturedTable(now));
    this.log.info({ table: name, detail }, 'schema change followed');
  }

  async stop(): Promise<void> {
    if (this.heartbeat) { clearInterval(this.heartbeat); this.heartbeat = null; }
    await this.runtime.end();
    const s = this.service;
    this.service = null;
    await s?.stop().catch(() => undefined);
  }

  async status(): Promise<CaptureStatus> {
    let lag: number | null = null;
    try { lag = await slotLagBytes(this.db, this.slot); } catch { /* status must not throw */ }
    return this.runtime.status(lag, { slot: this.slot, publication: this.publication, ackedLsn: this.acked, replicaIdentityNotFull: this.missingFull.join(',') || null, unknownTypes: this.unknownTypes });
  }
}
