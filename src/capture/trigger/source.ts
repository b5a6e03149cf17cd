import type { Database } from '../../backends/types.js';
import type { DdlEvent } from '../../log/change.js';
import { createLogger } from '../../observe/logger.js';
import { CaptureSetupError, CapturePositionError, SchemaChangedError } from '../errors.js';
import { pad, toRecord } from '../records.js';
import { CaptureRuntime } from '../runtime.js';
import { type CapturedTable, capturedTable, ddlColumns, describeFresh, describeShapeChange, resolveTables } from '../tables.js';
import type { CaptureOptions, CaptureSink, CaptureSource, CaptureStatus } from '../types.js';
import { CHANGE_TABLE, type ChangeRow, type TriggerDialect } from './dialect.js';
import { applyTriggerDdl, triggerDialect } from './install.js';
import { WATERMARK_TABLE } from '../watermark.js';

const POSITION_RE = /^\d{20}$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Trigger capture: drains the change table the triggers fill, in id order, only up to the dialect's safe bound (so a
 * change whose transaction is still open is never skipped), appends each batch to the log with the last id as the
 * checkpoint, then prunes the change table up to it. Position of a change = its id, zero-padded to 20 digits.
 * On start, rows at or below the stored checkpoint are pruned first (they are in the log already: the process died
 * between the append and the prune) and draining resumes after it.
 */
export class TriggerCapture implements CaptureSource {
  readonly method = 'trigger' as const;
  readonly source: string;
  /** Columns whose type has no canonical mapping, as `table.column (type)`, reported in status. */
  private unknownTypes: string | null = null;
  private readonly runtime: CaptureRuntime;
  private readonly dialect: TriggerDialect;
  private tables = new Map<string, CapturedTable>();
  private last = 0n;
  /** The captured tables' shape fingerprint as last checked ('' before the first check). */
  private shape = '';
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly log = createLogger('capture.trigger');

  constructor(private readonly db: Database, private readonly options: CaptureOptions) {
    this.source = options.source;
    this.dialect = triggerDialect(db);
    this.runtime = new CaptureRuntime(options.source, 'trigger', options.batchSize ?? 2000, options.flushIntervalMs ?? 5);
  }

  get finished(): Promise<void> { return this.runtime.finished; }

  async start(sink: CaptureSink): Promise<void> {
    const existing = await this.db.listTables();
    if (!existing.includes(CHANGE_TABLE)) {
      throw new CaptureSetupError(this.source, `the change table ${CHANGE_TABLE} does not exist in ${this.db.displayUrl}: run "siphon capture install" first`);
    }
    const problem = await this.dialect.checkSetup?.(this.db);
    if (problem) throw new CaptureSetupError(this.source, problem);
    this.shape = await this.dialect.shapeFingerprint(this.db, [...new Set([...this.options.tables, WATERMARK_TABLE])]);
    const { tables, unknownTypesSummary } = await resolveTables(this.db, this.options.tables, this.log);
    this.tables = tables;
    this.unknownTypes = unknownTypesSummary;
    const cp = await sink.lastCheckpoint();
    if (cp !== null && !POSITION_RE.test(cp)) throw new CapturePositionError(this.source, cp, 'trigger (20-digit change id)');
    this.last = cp === null ? 0n : BigInt(cp);
    await this.prune(this.last);
    this.runtime.begin(sink);
    this.runtime.afterWrite = (checkpoint) => this.prune(BigInt(checkpoint));
    this.loop = this.run().catch((e: Error) => this.runtime.fail(e));
  }

  private async prune(upTo: bigint): Promise<void> {
    if (upTo > 0n) await this.db.execute(`DELETE FROM ${this.db.quoteIdent(CHANGE_TABLE)} WHERE id <= ?`, [upTo]);
  }

  private async run(): Promise<void> {
    const bound = this.dialect.boundTracker();
    const poll = this.options.pollIntervalMs ?? 10;
    const schemaEvery = this.options.schemaCheckIntervalMs ?? 1000;
    const batch = this.options.batchSize ?? 2000;
    let nextSchemaCheck = Date.now() + schemaEvery;
    while (!this.stopping && this.runtime.state === 'running') {
      if (Date.now() >= nextSchemaCheck) {
        await this.checkSchema();
        nextSchemaCheck = Date.now() + schemaEvery;
        if (this.runtime.state !== 'running') return;
      }
      const upTo = await bound(this.db);
      const rows = upTo !== null && upTo <= this.last ? [] : await this.dialect.read(this.db, this.last, upTo, batch);
      if (rows.length === 0) { await sleep(poll); continue; }
      // every row read was written before this check: a shape change seen now is recorded (and followed) before
      // any of them is logged, and rows whose image lacks a column are re-read (take)
      const shape = await this.dialect.shapeFingerprint(this.db, [...this.tables.keys()]);
      if (shape !== this.shape) {
        await this.checkSchema();
        if (this.runtime.state !== 'running') return;
        this.shape = shape;
      }
      for (const r of rows) await this.take(r);
      await this.runtime.flush();
    }
  }

  private async take(r: ChangeRow): Promise<void> {
    const position = pad(r.id, 20);
    this.last = r.id;
    const table = this.tables.get(r.table);
    if (!table) { this.runtime.advance(position); return; } // triggers left on a table no longer captured
    const before = r.before === null ? null : this.dialect.decodeImage(r.before, table);
    let after = r.after === null ? null : this.dialect.decodeImage(r.after, table);
    // written between a schema change and the rebuild of the triggers (or before a restart with the new shape): the
    // image lacks columns the table has. Re-read the row (its state now, at least as new as this change); when it
    // is gone, log the image with the missing columns named, never as if they were NULL.
    const main = after ?? before;
    let incomplete: string[] | undefined;
    const missing = main ? [...table.columns.keys()].filter((c) => !(c in main)) : [];
    if (missing.length > 0) {
      const keyValues = table.key.map((k) => main![k] ?? null);
      const now = r.op === 'delete' ? [] : await this.db.readByKeys(table.name, table.key, [keyValues]);
      if (now[0]) after = now[0];
      else incomplete = missing;
      this.log.warn({ table: table.name, position, missing, reread: now.length > 0 }, 'change written before a schema change was seen');
    }
    const record = toRecord(this.source, { table, op: r.op, position, txid: r.txid, at: normalizeAt(r.at), before, after, incomplete });
    if (record) this.runtime.push(record, position);
    else this.runtime.advance(position);
  }

  /** Compare each captured table's shape with the one capture started with; record and follow or stop. */
  private async checkSchema(): Promise<void> {
    for (const [name, t] of this.tables) {
      const now = await describeFresh(this.db, name);
      const detail = describeShapeChange(t.info, now);
      if (!detail) continue;
      const position = pad(this.last, 20);
      const ddl: DdlEvent = {
        kind: 'ddl', source: this.source, table: name, statement: null, columns: ddlColumns(now), position, txid: null,
        at: new Date().toISOString(),
      };
      if ((this.options.onSchemaChange ?? 'stop') === 'stop') {
        this.runtime.push(ddl, position);
        await this.runtime.flush();
        this.runtime.fail(new SchemaChangedError(this.source, name, detail, position));
        return;
      }
      const next = capturedTable(now);
      this.tables.set(name, next);
      // SQLite and MariaDB build images from the column list: regenerate the triggers (atomically) before the DDL
      // record goes out, so whoever reads it knows later changes carry the new shape
      if (this.dialect.rebuildOnSchemaChange) await applyTriggerDdl(this.db, this.dialect.installDdl(this.db, next));
      this.runtime.push(ddl, position);
      await this.runtime.flush();
      this.log.info({ table: name, detail }, 'schema change followed');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.runtime.end();
  }

  async status(): Promise<CaptureStatus> {
    let pending: number | null = null;
    try {
      const r = await this.db.query(`SELECT COUNT(*) AS n FROM ${this.db.quoteIdent(CHANGE_TABLE)} WHERE id > ?`, [this.last]);
      const n = r[0]?.['n'];
      pending = n && typeof n === 'object' && 'v' in n ? Number(n.v) : null;
    } catch { /* status must not throw because legacy is unreachable */ }
    return this.runtime.status(pending, { lastId: this.last.toString(), unknownTypes: this.unknownTypes });
  }
}

/** Trigger timestamps → ISO instants the log accepts. */
function normalizeAt(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? new Date().toISOString() : new Date(ms).toISOString();
}
