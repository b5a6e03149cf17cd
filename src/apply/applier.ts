/**
 * The one apply path (DESIGN.md "One apply path"): capture (through the log), backfill chunks, aspire and quarantine
 * retries all call `apply(items)`. Per batch: map every change outside the transaction (prepare.ts), then one next
 * transaction (batch-tx.ts). A database error on one change does not quarantine the batch: the batch is bisected
 * until the culprit is alone, which alone is quarantined. A retryable error (isRetryable) is retried, then thrown.
 * After commit: the ledger, and the re-drive of children whose parent just arrived.
 */
import type { Database } from '../backends/types.js';
import { BackendError } from '../backends/errors.js';
import type { ResolvedConfig } from '../config/types.js';
import { decodeRecord } from '../log/codec.js';
import type { LedgerOrigin, LedgerUpsert, StateStore } from '../state/types.js';
import type { Row } from '../values/index.js';
import { keyToText, ValueError } from '../values/index.js';
import { isRetryable } from '../errors.js';
import { Mutex } from '../backends/sql/mutex.js';
import type { Applier, ApplyBatchOptions, ApplyBatchResult, ApplyItem, ApplyOrigin, ApplyTableCounts } from './types.js';
import { loadNextTables, type NextTables } from './next-tables.js';
import { mappingFor, prepareItem, type ApplyReason, type Prepared } from './prepare.js';
import { PROFILE, runBatchTx, type TxContext, type TxOutput } from './batch-tx.js';
import { ensureSiphonTables } from './siphon-tables.js';
import { SupersededQuarantine } from './superseded.js';
import { ApplyConfigError, ApplyRetryExhaustedError } from './errors.js';
import { bulkCandidate } from './bulk/split.js';
import { runBulkTx } from './bulk/bulk-tx.js';
import { SKIP_AFTER_FAILURE, type DirectHint } from './bulk/direct.js';
import type { Outcome } from './plan.js';

export interface ApplierOptions {
  /** The migration: table mappings and legacy's time zone. */
  readonly config: Pick<ResolvedConfig, 'tables' | 'legacy'>;
  /** The next database (PostgreSQL or SQLite). The caller owns it: close() does not close it. */
  readonly next: Database;
  /** Quarantine and ledger. */
  readonly state: StateStore;
  /** Attempts for a retryable failure before apply() throws (default 4). */
  readonly maxAttempts?: number;
  /** First backoff between attempts, doubled each time (default 50 ms). */
  readonly backoffMs?: number;
  /**
   * Smallest backfill chunk (`read` changes at one position) written by the bulk path where next has COPY (default
   * BULK_MIN_CHANGES); `Infinity` keeps every batch per row (the tests compare both paths).
   */
  readonly bulkMinChanges?: number;
  /** The bulk path tries a straight COPY into next before staging (bulk/direct.ts); default true (false: staged only, for tests). */
  readonly bulkDirect?: boolean;
  /** Bulk batches that go staged after a direct attempt stepped aside (default SKIP_AFTER_FAILURE; tests: 0). */
  readonly bulkDirectSkip?: number;
}

/** What happened to one item of a batch (in the order given). */
export interface ApplyItemOutcome {
  readonly outcome: Outcome;
  readonly reason?: ApplyReason;
}

export interface ApplyBatchDetail extends ApplyBatchResult {
  readonly items: readonly ApplyItemOutcome[];
}

export interface SiphonApplier extends Applier {
  apply(items: readonly ApplyItem[], options?: ApplyBatchOptions): Promise<ApplyBatchDetail>;
  readonly nextTables: NextTables;
}

const LEDGER_ORIGIN: Record<ApplyOrigin, LedgerOrigin> = { capture: 'capture', backfill: 'backfill', aspire: 'aspire', retry: 'capture', reapply: 'backfill' };
const ORIGINS = new Set<string>(Object.keys(LEDGER_ORIGIN));

/** Creates Siphon's tables in next when missing and introspects the next tables the mappings write. */
export async function createApplier(options: ApplierOptions): Promise<SiphonApplier> {
  if (options.next.dialect === 'mysql') throw new ApplyConfigError('next must be PostgreSQL or SQLite; MariaDB/MySQL is a legacy source only', { dialect: 'mysql' });
  const sql = await ensureSiphonTables(options.next);
  const tables = await loadNextTables(options.next, options.config);
  for (const t of Object.values(options.config.tables)) {
    if (!t.onDelete) continue;
    for (const n of Object.keys(t.schemas)) for (const c of Object.keys(t.onDelete.set)) {
      if (!tables.byName.get(n)?.columns.has(c)) throw new ApplyConfigError(`tables.${t.name}.onDelete.set: next table ${n} has no column ${c}`, { table: t.name, next: n, column: c });
    }
  }
  const parked = await options.next.query(sql.ddl.includes('siphon.parked') ? 'SELECT 1 AS x FROM siphon.parked LIMIT 1' : 'SELECT 1 AS x FROM siphon_parked LIMIT 1');
  return new ApplierImpl(options, { next: options.next, sql, tables, state: options.state }, parked.length > 0);
}

/** Changes mapped between two yields to the event loop (about 10–20 ms of CPU). */
const PREPARE_SLICE = 128;

const emptyCounts = (): ApplyTableCounts => ({ written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0 });
const bisectable = (e: unknown) => (e instanceof BackendError && !e.retryable) || e instanceof ValueError;

class ApplierImpl implements SiphonApplier {
  private readonly lock = new Mutex();
  readonly nextTables: NextTables;
  private readonly superseded: SupersededQuarantine;
  private readonly direct: DirectHint | null;

  constructor(private readonly options: ApplierOptions, private readonly ctx: TxContext, private parkedMaybe: boolean) {
    this.nextTables = ctx.tables;
    this.superseded = new SupersededQuarantine(options.state);
    this.direct = options.bulkDirect === false ? null : { skip: 0, skipAfterFailure: options.bulkDirectSkip ?? SKIP_AFTER_FAILURE };
  }

  async apply(items: readonly ApplyItem[], options: ApplyBatchOptions = {}): Promise<ApplyBatchDetail> {
    if (!Array.isArray(items)) throw new ApplyConfigError('apply: items must be an array of { change, origin }', {});
    for (const [i, it] of items.entries()) {
      if (!it || it.change?.kind !== 'change' || !ORIGINS.has(it.origin)) throw new ApplyConfigError(`apply: items[${i}] is not { change: RowChange, origin: ${[...ORIGINS].join('|')} }`, { index: i });
    }
    // mapping is pure CPU and needs no lock: done at call time (synchronously, so the FIFO lock below is taken in call
    // order), a caller with two batches in flight maps the next one while the previous one's transaction runs
    // The place in the FIFO lock is taken synchronously, at call time (call order = apply order); mapping then runs in
    // slices that yield to the event loop, so the previous batch's transaction keeps sending its statements while this
    // batch is mapped (a batch mapped in one synchronous run held the previous transaction's next statement back).
    const ticket = this.lock.lock();
    let prepared: Prepared[];
    try { prepared = await this.prepareAll(items.slice()); } catch (e) { (await ticket)(); throw e; }
    const release = await ticket;
    try {
      const t = performance.now();
      const result = await this.run(prepared, new Map(), options.checkpoint, bulkCandidate(items, this.ctx.next.capabilities.copyIn, this.options.bulkMinChanges));
      PROFILE.set('run', (PROFILE.get('run') ?? 0) + performance.now() - t);
      await this.redrive(result.redrive);
      await this.superseded.afterBatch(prepared, result.detail.items);
      return result.detail;
    } finally { release(); }
  }

  private async prepareAll(items: readonly ApplyItem[]): Promise<Prepared[]> {
    const prepared: Prepared[] = [];
    for (let from = 0; from < items.length; from += PREPARE_SLICE) {
      if (from > 0) await new Promise<void>((r) => setImmediate(r));
      const t = performance.now();
      for (let i = from; i < Math.min(items.length, from + PREPARE_SLICE); i++) prepared.push(prepareItem(i, items[i]!, this.options.config, this.ctx.tables));
      PROFILE.set('prepare', (PROFILE.get('prepare') ?? 0) + performance.now() - t);
    }
    return prepared;
  }

  /** One batch: the bulk path for a backfill chunk (src/apply/bulk), else per row; then the ledger. */
  private async run(prepared: readonly Prepared[], parkedRefs: ReadonlyMap<number, { st: string; lk: string; v: string }>,
    checkpoint: ApplyBatchOptions['checkpoint'], bulk = false): Promise<{ detail: ApplyBatchDetail; redrive: TxOutput['redrive'] }> {
    const outputs = bulk
      ? await this.withRetry(() => runBulkTx(this.ctx, prepared, checkpoint, this.parkedMaybe, (ctx, part, cp) => this.runParts(ctx, part, new Map(), cp), this.direct))
      : await this.runParts(this.ctx, prepared, parkedRefs, checkpoint);
    if (outputs.some((o) => o.parkedAny)) this.parkedMaybe = true;
    const detail = this.summarize(prepared, outputs);
    const t = performance.now();
    await this.updateLedger(outputs);
    PROFILE.set('ledger', (PROFILE.get('ledger') ?? 0) + performance.now() - t);
    return { detail, redrive: outputs.flatMap((o) => o.redrive) };
  }

  /** Per row, bisecting on a database error; the checkpoint travels with the last part. `ctx` may be a transaction's (savepoints). */
  private async runParts(ctx: TxContext, prepared: readonly Prepared[], parkedRefs: ReadonlyMap<number, { st: string; lk: string; v: string }>,
    checkpoint: ApplyBatchOptions['checkpoint']): Promise<TxOutput[]> {
    const outputs: TxOutput[] = [];
    const go = async (part: readonly Prepared[], last: boolean): Promise<void> => {
      // a Set, not part.some() per ref: a re-drive of n parked children cost n² here (1 s of a 99k-row backfill)
      const inPart = parkedRefs.size === 0 ? null : new Set(part.map((p) => p.index));
      const refs = inPart === null ? new Map() : new Map([...parkedRefs].filter(([i]) => inPart.has(i)));
      const input = { prepared: part, ...(checkpoint ? { checkpoint } : {}), writeCheckpoint: last, parkedRefs: refs, parkedMaybe: this.parkedMaybe };
      try {
        outputs.push(await this.withRetry(() => runBatchTx(ctx, input)));
      } catch (e) {
        if (!bisectable(e)) throw e;
        if (process.env.SIPHON_APPLY_PROFILE === '1') process.stderr.write(`bisect ${part.length}: ${(e as Error).message.slice(0, 200)}\n`);
        const changes = part.filter((p) => p.kind === 'change');
        if (changes.length <= 1) {
          // the culprit: quarantined whole with the engine's message; the rest of this part (already quarantined items) and the checkpoint commit
          const msg = (e as Error).message;
          const q = part.map((p): Prepared => (p.kind === 'change' ? { kind: 'quarantine', index: p.index, item: p.item, reason: 'database', messages: [msg], mapping: p.mapping } : p));
          outputs.push(await this.withRetry(() => runBatchTx(ctx, { ...input, prepared: q })));
          return;
        }
        const mid = Math.floor(part.length / 2);
        await go(part.slice(0, mid), false);
        await go(part.slice(mid), last);
      }
    };
    await go(prepared, true);
    return outputs;
  }

  private summarize(prepared: readonly Prepared[], outputs: readonly TxOutput[]): ApplyBatchDetail {
    const byTable: Record<string, ApplyTableCounts> = {};
    const total = emptyCounts();
    const table = (t: string) => (byTable[t] ??= emptyCounts());
    const items: ApplyItemOutcome[] = prepared.map(() => ({ outcome: 'stale' }));
    for (const o of outputs) {
      for (const [i, out] of o.outcomes) items[i] = out;
      for (const [t, c] of o.counts) { table(t).written += c.written; table(t).deleted += c.deleted; total.written += c.written; total.deleted += c.deleted; }
    }
    for (const p of prepared) {
      const t = p.kind === 'change' ? p.mapping.name : p.item.change.table;
      const o = items[p.index]!.outcome;
      if (o === 'applied') { table(t); continue; }
      table(t)[o === 'waiting' ? 'waiting' : o]++;
      total[o === 'waiting' ? 'waiting' : o]++;
    }
    return { ...total, byTable, items };
  }

  private async updateLedger(outputs: readonly TxOutput[]): Promise<void> {
    const entries: LedgerUpsert[] = [];
    for (const o of outputs) {
      for (const s of o.states.values()) {
        if (s.last < 0 || s.current === null || s.entity === null || s.current.entityKey === null) continue;
        entries.push({ entity: s.entity, key: s.current.entityKey, state: 'copied', version: s.current.version, origin: LEDGER_ORIGIN[s.lastOrigin as ApplyOrigin] ?? 'capture' });
      }
    }
    if (entries.length > 0) await this.options.state.upsertLedger(entries);
  }

  /** Children parked for a parent written by the batch: applied again, at their own versions (CAS keeps them from replacing newer). */
  private async redrive(rows: TxOutput['redrive']): Promise<void> {
    for (let depth = 0; rows.length > 0 && depth < 1000; depth++) {
      const items: ApplyItem[] = rows.map((r) => ({ change: decodeRecord(r.change, 'siphon parked change') as ApplyItem['change'], origin: (ORIGINS.has(r.origin) ? r.origin : 'capture') as ApplyOrigin }));
      const prepared = items.map((it, i) => prepareItem(i, it, this.options.config, this.ctx.tables));
      const refs = new Map(rows.map((r, i) => [i, { st: r.sourceTable, lk: r.legacyKey, v: r.version }]));
      const out = await this.run(prepared, refs, undefined);
      const done: { table: string; key: string }[] = [];
      rows.forEach((r, i) => { if (out.detail.items[i]!.outcome !== 'waiting') done.push({ table: items[i]!.change.table, key: r.legacyKey }); });
      await this.resolveWaiting(done);
      rows = out.redrive;
    }
  }

  private async resolveWaiting(keys: readonly { table: string; key: string }[]): Promise<void> {
    const ids: number[] = [];
    for (const k of keys) {
      const page = await this.options.state.listQuarantine({ sourceTable: k.table, key: k.key, reasonCode: 'missing-parent', state: 'open', limit: 1000 });
      ids.push(...page.items.map((q) => q.id));
    }
    if (ids.length > 0) await this.options.state.markQuarantine(ids, 'resolved', { actor: 'apply', reason: 'the parent row arrived; the change was applied again' });
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    const max = Math.max(1, this.options.maxAttempts ?? 4);
    let wait = this.options.backoffMs ?? 50;
    for (let attempt = 1; ; attempt++) {
      try { return await fn(); } catch (e) {
        if (!isRetryable(e)) throw e;
        if (attempt >= max) throw new ApplyRetryExhaustedError(attempt, e);
        await new Promise((r) => setTimeout(r, wait));
        wait *= 2;
      }
    }
  }

  async checkpoint(consumer: string): Promise<string | null> {
    const rows = await this.ctx.next.query(this.ctx.sql.selectCheckpoint.replace(' FOR UPDATE', ''), [consumer]);
    return rows.length === 0 ? null : (rows[0]!.position as string | null);
  }

  async appliedVersion(table: string, key: Row): Promise<string | null> {
    const mapping = mappingFor(this.options.config, table);
    const values = mapping && mapping.key.every((k) => k in key) ? mapping.key.map((k) => key[k]!) : Object.values(key);
    const rows = await this.ctx.next.query(this.ctx.sql.selectVersion, [mapping?.name ?? table, keyToText(values)]);
    return rows.length === 0 ? null : (rows[0]!.version as string);
  }

  async close(): Promise<void> {
    const release = await this.lock.lock();
    release();
  }
}
