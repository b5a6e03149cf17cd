import { randomUUID } from 'node:crypto';
import type { Database } from '../backends/types.js';
import type { DataPath } from '../backfill/data-path.js';
import { keyOf } from '../backfill/merger.js';
import { writeWatermark } from '../capture/watermark.js';
import { isRetryable } from '../errors.js';
import { versionOf } from '../log/version.js';
import type { QuarantineStore } from '../state/types.js';
import type { Row, Value } from '../values/index.js';
import type { EntityPlan, EntityTablePlan } from './plan.js';
import { rowEntityKey } from './plan.js';
import type { AspireFailedRow } from './types.js';

/**
 * Aspire's chunks (DESIGN.md: "Aspire is a one-entity chunk put at the head of the queue"). A chunk here holds the
 * entities waiting at the moment it starts (group commit: under 50 concurrent callers one pair of watermarks and one
 * SELECT per table serve many of them), and goes through the same DBLog merger and data path as backfill chunks:
 *
 *   expectGroup → LOW watermark → SELECT the entities' rows in every table of the entity (by the entity-key column)
 *   → registerGroup → HIGH watermark → the data path applies the survivors after every change before the HIGH mark.
 *
 * It jumps the backfill's queue (it never waits for the throttle or a table's chunk cursor), but not the log: the
 * rows are applied when the HIGH mark passes the data path, after every change legacy committed before it. That is
 * what gives read-your-writes: the SELECT ran after the call started, so when the chunk settles next holds every row
 * of the entity at a version at least as new as legacy's at the call.
 */

/** The watermark's `tbl` for aspire chunks: any non-null text (null marks a probe). */
export const ASPIRE_WATERMARK_TABLE = 'aspire';
const PROFILE = process.env.SIPHON_ASPIRE_PROFILE === '1';

export interface Job {
  readonly plan: EntityPlan;
  readonly value: Value;
  /** Ledger key (`int:42`). */
  readonly key: string;
  readonly resolve: (v: JobVerdict) => void;
  /**
   * Called just before the chunk's HIGH watermark is written: from then on a caller joining this flight could miss a
   * legacy write committed after the HIGH mark, so later callers start a flight of their own (read-your-writes).
   */
  readonly seal?: () => void;
}

export type JobVerdict =
  | { readonly kind: 'migrated'; readonly rows: number; readonly version: string }
  | { readonly kind: 'quarantined'; readonly failed: readonly AspireFailedRow[]; readonly version: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string; readonly retryable: boolean };

export interface ChunkRunnerOptions {
  readonly legacy: Database;
  readonly source: string;
  readonly path: DataPath;
  readonly quarantine: Pick<QuarantineStore, 'listQuarantine'>;
  /** Entities per chunk at most (default 64). */
  readonly maxBatch?: number;
  /** Chunks in flight at once (default 2): while one waits for its HIGH mark, the next one's SELECTs run. */
  readonly maxInFlight?: number;
  /** Attempts of a chunk whose window was lost (capture restarted, DDL inside it), default 3. */
  readonly attempts?: number;
  /** A chunk not settled after this long is abandoned: its entities fail with TIMEOUT (default 30 s). */
  readonly timeoutMs?: number;
  readonly onChunk?: (result: 'applied' | 'lost' | 'failed') => void;
}

type ItemOutcome = { readonly outcome: string; readonly reason?: string };

export class ChunkRunner {
  private readonly queue: Job[] = [];
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: ChunkRunnerOptions) {}

  submit(job: Job): void {
    this.queue.push(job);
    // on the next turn, not now: callers resumed by the same I/O callback (one claim statement answering 50 of them)
    // then share one chunk, instead of the first one starting a chunk of its own
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => { this.pumpScheduled = false; this.pump(); });
  }

  private pumpScheduled = false;

  /** Resolves when the chunks in flight settled (their jobs answered). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running.size > 0) await Promise.allSettled([...this.running]);
      else if (this.pumpScheduled) await new Promise<void>((r) => setImmediate(r)); // jobs submitted, chunk not started yet
      else return;
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < (this.o.maxInFlight ?? 2)) {
      const batch = this.queue.splice(0, this.o.maxBatch ?? 64);
      this.inFlight++;
      const p = this.run(batch).catch((e: unknown) => {
        for (const j of batch) j.resolve({ kind: 'failed', reason: 'INTERNAL', message: e instanceof Error ? e.message : String(e), retryable: false });
      }).finally(() => { this.inFlight--; this.running.delete(p); this.pump(); });
      this.running.add(p);
    }
  }

  private async run(batch: readonly Job[]): Promise<void> {
    const attempts = Math.max(1, this.o.attempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      const r = await this.chunk(batch);
      if (r.kind === 'done') return;
      this.o.onChunk?.(r.retry && attempt < attempts ? 'lost' : 'failed');
      if (!r.retry || attempt >= attempts) {
        for (const j of batch) j.resolve(r.verdict);
        return;
      }
    }
  }

  /** One chunk of `batch`: 'done' when every job got its verdict. */
  private async chunk(batch: readonly Job[]): Promise<{ kind: 'done' } | { kind: 'retry'; retry: boolean; verdict: JobVerdict }> {
    const path = this.o.path;
    const pathState = path.status().state;
    if (pathState !== 'running') return { kind: 'retry', retry: false, verdict: down(pathState, path.status().error) };
    const id = `aspire:${randomUUID()}`;
    const byTable = new Map<string, { t: EntityTablePlan; values: Value[] }>();
    for (const j of batch) for (const t of j.plan.tables) {
      let e = byTable.get(t.table);
      if (!e) byTable.set(t.table, (e = { t, values: [] }));
      e.values.push(j.value);
    }
    const t0 = performance.now();
    const outcome = path.expectGroup({ id, source: this.o.source, origin: 'aspire', parts: [...byTable.values()].map((e) => ({ table: e.t.table, key: e.t.key })) });
    const rows = new Map<string, Row[]>();
    try {
      await writeWatermark(this.o.legacy, id, 'low', ASPIRE_WATERMARK_TABLE);
      // the tables at once (the legacy pool's connections), not one after the other: every SELECT still runs between
      // the two marks, which is all DBLog asks
      const read = await Promise.all([...byTable.values()].map(({ t, values }) => this.o.legacy.readByKeys(t.table, [t.column], values.map((v) => [v]))));
      [...byTable.values()].forEach(({ t }, i) => rows.set(t.table, read[i]!));
      path.registerGroup(id, rows);
      for (const j of batch) j.seal?.();
      await writeWatermark(this.o.legacy, id, 'high', ASPIRE_WATERMARK_TABLE);
    } catch (e) {
      path.abandon(id, 'legacy read failed');
      // the migration stopping (its data path failed: next down...) closes legacy under us: say what failed first
      const now = path.status();
      if (now.state !== 'running') return { kind: 'retry', retry: false, verdict: down(now.state, now.error) };
      return { kind: 'retry', retry: false, verdict: { kind: 'failed', reason: 'LEGACY_UNAVAILABLE', message: `reading the entity in legacy failed: ${(e as Error).message}`, retryable: true } };
    }
    const tRead = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.o.timeoutMs ?? 30_000;
    const timeout = new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); });
    const o = await Promise.race([outcome, timeout.then(() => null)]);
    clearTimeout(timer);
    if (o === null) {
      path.abandon(id, 'timeout');
      return { kind: 'retry', retry: false, verdict: { kind: 'failed', reason: 'TIMEOUT', message: `the chunk's high watermark did not come through capture and the data path within ${timeoutMs} ms (capture lag?)`, retryable: true } };
    }
    if (o.kind === 'lost') {
      const now = path.status();
      if (now.state !== 'running') return { kind: 'retry', retry: false, verdict: down(now.state, now.error ?? o.reason) };
      if (o.error !== undefined) {
        const retryable = isRetryable(o.error);
        return { kind: 'retry', retry: false, verdict: { kind: 'failed', reason: retryable ? 'NEXT_UNAVAILABLE' : 'APPLY_FAILED', message: o.reason, retryable } };
      }
      return { kind: 'retry', retry: true, verdict: { kind: 'failed', reason: 'CHUNK_LOST', message: o.reason, retryable: true } };
    }
    this.o.onChunk?.('applied');
    if (PROFILE) process.stderr.write(`aspire chunk: ${batch.length} entities, ${o.read} rows; watermarks+reads ${(tRead - t0).toFixed(1)} ms, capture+apply ${(performance.now() - tRead).toFixed(1)} ms\n`);
    const version = o.position !== undefined ? versionOf(o.position) : '';
    await this.judge(batch, rows, o.items ?? [], (o.result as { items?: readonly ItemOutcome[] }).items, o.evictedKeys ?? [], version);
    return { kind: 'done' };
  }

  /** Per entity of the chunk: which of its rows were applied, which failed and why. */
  private async judge(batch: readonly Job[], read: ReadonlyMap<string, Row[]>, items: readonly { change: { table: string; after: Row | null } }[],
    outcomes: readonly ItemOutcome[] | undefined, evicted: readonly { table: string; key: string }[], version: string): Promise<void> {
    const tables = new Map<string, EntityTablePlan>();
    for (const j of batch) for (const t of j.plan.tables) tables.set(t.table, t);
    const jobs = new Map<string, { job: Job; rows: number; root: boolean; failed: AspireFailedRow[] }>();
    for (const j of batch) jobs.set(`${j.plan.entity}\u0000${j.key}`, { job: j, rows: 0, root: false, failed: [] });
    const entry = (t: EntityTablePlan, row: Row) => {
      const plan = batch.find((j) => j.plan.tables.includes(t))!.plan;
      const k = rowEntityKey(t, row);
      return k === null ? undefined : jobs.get(`${plan.entity}\u0000${k}`);
    };
    items.forEach((it, i) => {
      const t = tables.get(it.change.table);
      if (!t || !it.change.after) return;
      const e = entry(t, it.change.after);
      if (!e) return;
      if (t.table === e.job.plan.root) e.root = true;
      const out = outcomes?.[i];
      if (out && (out.outcome === 'quarantined' || out.outcome === 'waiting')) {
        e.failed.push({ table: t.table, key: keyOf(it.change.after, t.key) ?? '?', reason: out.reason ?? out.outcome, detail: '' });
      } else e.rows++;
    });
    // evicted rows: a captured change of their key inside the window was applied before the chunk (or quarantined)
    // (the state-store lookups below run at once, and every job is answered in one synchronous loop at the end, so
    // the flights' finalisation is still one statement each: see Batcher)
    const evictedSet = new Set(evicted.map((k) => `${k.table}\u0000${k.key}`));
    const lookups: { e: NonNullable<ReturnType<typeof entry>>; table: string; key: string; open: ReturnType<QuarantineStore['listQuarantine']> }[] = [];
    for (const [table, rows] of read) {
      const t = tables.get(table)!;
      for (const row of rows) {
        const k = keyOf(row, t.key);
        if (k === null || !evictedSet.has(`${table}\u0000${k}`)) continue;
        const e = entry(t, row);
        if (!e) continue;
        if (t.table === e.job.plan.root) e.root = true;
        lookups.push({ e, table, key: k, open: this.o.quarantine.listQuarantine({ sourceTable: table, key: k, state: 'open', limit: 5 }) });
      }
    }
    const opened = await Promise.all(lookups.map((l) => l.open));
    for (const [n, l] of lookups.entries()) {
      const open = opened[n]!;
      if (open.items.length > 0) l.e.failed.push({ table: l.table, key: l.key, reason: open.items[0]!.reasonCode, detail: open.items[0]!.message });
      else l.e.rows++;
    }
    const details = [...jobs.values()].flatMap((e) => e.failed.map((f, i) => ({ e, f, i }))).filter((x) => x.f.detail === '')
      .map((x) => ({ ...x, open: this.o.quarantine.listQuarantine({ sourceTable: x.f.table, key: x.f.key, state: 'open', limit: 5 }) }));
    const found = await Promise.all(details.map((d) => d.open));
    for (const [n, { e, f, i }] of details.entries()) {
      const q = found[n]!.items.find((x) => x.reasonCode === f.reason) ?? found[n]!.items[0];
      e.failed[i] = { ...f, detail: q?.message ?? `the row was ${f.reason === 'missing-parent' ? 'parked: its parent row is not in next' : 'quarantined'}` };
    }
    for (const e of jobs.values()) {
      const { plan } = e.job;
      if (e.failed.length > 0) e.job.resolve({ kind: 'quarantined', failed: e.failed, version });
      else if (!e.root) e.job.resolve({ kind: 'failed', reason: 'NOT_FOUND', message: `legacy has no ${plan.root} row with ${plan.rootColumn} = ${e.job.key}`, retryable: false });
      else e.job.resolve({ kind: 'migrated', rows: e.rows, version });
    }
  }
}

function down(state: string, error: string | null): JobVerdict {
  return { kind: 'failed', reason: 'DATA_PATH_DOWN', message: `the data path is ${state}${error ? `: ${error}` : ''}`, retryable: true };
}
