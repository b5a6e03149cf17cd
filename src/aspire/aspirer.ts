import { randomUUID } from 'node:crypto';
import { WATERMARK_TABLE } from '../capture/watermark.js';
import type { Database } from '../backends/types.js';
import type { DataPath } from '../backfill/data-path.js';
import type { ResolvedConfig } from '../config/types.js';
import type { AuditInput, AuditStore, LedgerStore, LedgerUpsert, QuarantineStore } from '../state/types.js';
import type { AspireFlightStore, FlightClaim, FlightFinish, FlightRecord } from '../state/aspire/types.js';
import type { Value } from '../values/index.js';
import type { ChunkRunnerOptions, JobVerdict } from './chunk-runner.js';
import { ChunkRunner } from './chunk-runner.js';
import { AspireBadKeyError, AspireConfigError, AspireError } from './errors.js';
import { SiphonError } from '../errors.js';
import { MigratedMarker, type MarkedEntity } from './marker.js';
import { Batcher } from './batcher.js';
import { aspireMetrics, recordResult } from './metrics.js';
import type { EntityPlan } from './plan.js';
import { keyValue, ledgerKey, planEntities, planFor, plainKey } from './plan.js';
import type { FlightVerdict } from './results.js';
import { toResult, unlessAborted, verdictJson, verdictOf, waitSettled } from './results.js';
import type { AspireRequest, AspireResult, AspireTrigger, Aspirer } from './types.js';

export interface AspirerOptions {
  readonly config: ResolvedConfig;
  /** Legacy (the data path's handle: capture's): watermarks, the entity's rows, the migrated marker. */
  readonly legacy: Database;
  /** The capture source name (RowChange.source). */
  readonly source: string;
  /** The running data path: aspire's chunks go through its merger and applier. */
  readonly path: DataPath;
  /** Ledger (entity state after aspire), audit (one entry per entity migrated), quarantine (why rows failed). */
  readonly state: LedgerStore & AuditStore & QuarantineStore;
  /** `openAspireFlights(config.state)`: the single-flight claims shared with every process on the store. */
  readonly flights: AspireFlightStore;
  /** How long a claim is ours before another process may take the flight over (default 30 s). */
  readonly leaseMs?: number;
  /** Take requests queued by other processes (CLI, gateway workers): default true. */
  readonly serve?: boolean;
  /** Idle look for queued requests (ms, default 25: one indexed read; PostgreSQL also wakes on NOTIFY, SQLite in-process at once). */
  readonly servePollMs?: number;
  /** How long a call waits for a flight another process runs (default 60 s). */
  readonly waitTimeoutMs?: number;
  readonly chunks?: Pick<ChunkRunnerOptions, 'maxBatch' | 'maxInFlight' | 'attempts' | 'timeoutMs'>;
}

/** The aspirer of the process that runs the data path. */
export interface LocalAspirer extends Aspirer {
  /** This instance's owner id in `aspire_flights`. */
  readonly owner: string;
  /** The entity key as the ledger writes it (`int:42`): what the gateway's ledger cache is keyed by. Throws usage errors. */
  ledgerKey(entity: string, key: string): string;
}

/**
 * `createAspirer`: in-process aspire for the process that runs the data path (`siphon migrate`, or a gateway that
 * embeds the data path). Single flight in three layers: calls for the same entity in this process share one promise;
 * across processes the `aspire_flights` line is claimed (lease) and others wait for it; entities already migrated
 * answer at once from memory or from that line. Other processes reach it through `connectAspirer` (queued lines it
 * serves).
 */
export async function createAspirer(o: AspirerOptions): Promise<LocalAspirer> {
  const plans = await planEntities(o.config, o.legacy);
  return new LocalAspirerImpl(o, plans);
}

const MIGRATED_MEMORY = 100_000;

/** A flight's verdict for one call: `joined` when the call did not start it; `scope` where it was joined. */
export type Flown = FlightVerdict & { readonly joined: boolean; readonly scope?: 'process' | 'store' };

class LocalAspirerImpl implements LocalAspirer {
  readonly owner = `aspire:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Flights of this process by entity key; `sealed` once the flight's HIGH watermark is being written. */
  private readonly local = new Map<string, { promise: Promise<Flown>; sealed: boolean }>();
  /** Entities known migrated (bounded, oldest forgotten first: the flights line still answers). */
  private readonly migrated = new Set<string>();
  private readonly runner: ChunkRunner;
  private readonly marker: MigratedMarker;
  private readonly metrics = aspireMetrics();
  private closed = false;
  private serving: Promise<void> = Promise.resolve();
  private kick: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly ledger: Batcher<LedgerUpsert>;
  private readonly marks: Batcher<{ plan: EntityPlan; entity: MarkedEntity }>;
  private readonly audits: Batcher<AuditInput>;
  private readonly claims: Batcher<FlightClaim, { claimed: boolean; record: FlightRecord }>;
  private readonly finishes: Batcher<FlightFinish, boolean>;

  constructor(private readonly o: AspirerOptions, private readonly plans: ReadonlyMap<string, EntityPlan | AspireConfigError>) {
    this.marker = new MigratedMarker(o.legacy);
    // (first chunk: the watermark table's description, read by the upsert, is not on its critical path)
    void o.legacy.describeTable(WATERMARK_TABLE).catch(() => undefined);
    void this.marker.warm([...plans.values()].filter((p): p is EntityPlan => !(p instanceof AspireConfigError)));
    this.runner = new ChunkRunner({ legacy: o.legacy, source: o.source, path: o.path, quarantine: o.state, ...o.chunks,
      onChunk: (result) => this.metrics.groups.inc({ result }) });
    this.ledger = new Batcher((entries) => o.state.upsertLedger(entries).then(() => undefined));
    this.marks = new Batcher(async (items) => {
      const byPlan = new Map<EntityPlan, MarkedEntity[]>();
      for (const i of items) { let l = byPlan.get(i.plan); if (!l) byPlan.set(i.plan, (l = [])); l.push(i.entity); }
      for (const [plan, entities] of byPlan) await this.marker.mark(plan, entities);
    });
    this.audits = new Batcher((entries) => o.state.appendAudits(entries).then(() => undefined));
    // at most two claim statements in flight: callers arriving meanwhile wait for one and go together (group commit)
    this.claims = new Batcher((claims) => o.flights.claimMany(claims), 2);
    this.finishes = new Batcher((fs) => o.flights.finishMany(fs));
    if (o.serve !== false) this.serving = this.serve();
  }

  ledgerKey(entity: string, key: string): string {
    return ledgerKey(keyValue(planFor(this.plans, entity), key));
  }

  async aspire(req: AspireRequest): Promise<AspireResult> {
    const t0 = performance.now();
    let plan: EntityPlan, value: Value;
    try {
      plan = planFor(this.plans, req.entity);
      value = keyValue(plan, req.key);
    } catch (e) {
      if (!(e instanceof AspireError)) throw e;
      const r: AspireResult = { outcome: 'failed', entity: req.entity, key: req.key, ms: performance.now() - t0, reason: e.code, message: e.message, retryable: false };
      recordResult(this.metrics, req.trigger, { ...r, entity: this.plans.has(req.entity) ? req.entity : '(unknown)' });
      return r;
    }
    let v: Flown | { kind: 'aborted' };
    if (this.closed) v = { kind: 'failed', reason: 'CLOSED', message: 'the aspirer is closed', retryable: true, joined: false };
    else {
      // a caller (a user's request at the gateway) never fails because of aspire: every error becomes an answer
      try { v = await unlessAborted(this.flight(plan, value, req.trigger, req.actor), req.signal); } catch (e) { v = unexpected(e); }
    }
    const r = toResult(req.entity, req.key, performance.now() - t0, v, 'joined' in v && v.joined);
    recordResult(this.metrics, req.trigger, r);
    if (r.outcome === 'shared') this.metrics.sharedFlights.inc({ entity: req.entity, scope: 'scope' in v && v.scope === 'process' ? 'process' : 'store' });
    return r;
  }

  /** The flight of one entity in this process: started by the first call, joined by the others. */
  private async flight(plan: EntityPlan, value: Value, trigger: string, actor: string | undefined): Promise<Flown> {
    const lk = ledgerKey(value);
    const fk = `${plan.entity}\u0000${lk}`;
    let force = false;
    for (;;) {
      const running = this.local.get(fk);
      if (!running) break;
      // join a flight only before its HIGH watermark: after it, a write this caller made just before calling could be
      // missing from that flight's rows; such a caller waits for it, then flies again (sharing with the others)
      if (!running.sealed) return running.promise.then((v) => ({ ...v, joined: true, scope: 'process' as const }));
      await running.promise.catch(() => undefined);
      force = true;
    }
    if (!force && this.migrated.has(fk)) return { kind: 'already', version: null, joined: false };
    const entry: { promise: Promise<Flown>; sealed: boolean } = { promise: Promise.resolve({ kind: 'aborted', joined: false }), sealed: false };
    entry.promise = this.fly(plan, value, lk, trigger, actor, force, () => { entry.sealed = true; }).finally(() => { if (this.local.get(fk) === entry) this.local.delete(fk); });
    this.local.set(fk, entry);
    return entry.promise;
  }

  private async fly(plan: EntityPlan, value: Value, lk: string, trigger: string, actor: string | undefined, force: boolean, seal: () => void): Promise<Flown> {
    const deadline = Date.now() + (this.o.waitTimeoutMs ?? 60_000);
    for (let round = 0; ; round++) {
      const c = await this.claims.add({ entity: plan.entity, key: lk, owner: this.owner, leaseMs: this.o.leaseMs ?? 30_000, trigger, actor: actor ?? null, evenIfMigrated: force });
      if (c.claimed) return { ...(await this.run(plan, value, lk, trigger, actor, seal, this.migrated.has(`${plan.entity}\u0000${lk}`))), joined: false };
      if (c.record.state === 'migrated') { this.remember(plan.entity, lk); return { kind: 'already', version: c.record.version, joined: false }; }
      // another process flies it: wait for its answer (or take over when its lease runs out)
      const r = await waitSettled(this.o.flights, plan.entity, lk, { deadline, claimQueued: true });
      if (r === 'timeout' || r === 'aborted' || round >= 20) return { kind: 'failed', reason: 'TIMEOUT', message: 'another process holds this entity\'s flight and did not finish it in time', retryable: true, joined: true };
      if (r === null) continue;
      const v = verdictOf(r);
      if (v.kind === 'migrated') this.remember(plan.entity, lk);
      return { ...v, joined: true };
    }
  }

  /** Our flight: the chunk, then ledger, marker and audit, then the flight line settles (waking waiters elsewhere). */
  private async run(plan: EntityPlan, value: Value, lk: string, trigger: string, actor: string | undefined, seal: () => void, again: boolean): Promise<JobVerdict> {
    let v = await new Promise<JobVerdict>((resolve) => this.runner.submit({ plan, value, key: lk, resolve, seal }));
    try {
      if (v.kind === 'migrated') {
        await Promise.all([
          this.ledger.add({ entity: plan.entity, key: lk, state: 'copied', version: v.version, origin: 'aspire' }),
          this.marks.add({ plan, entity: { value, plain: plainKey(value), version: v.version, trigger } }),
          again ? Promise.resolve() : this.audits.add({ actor: actor ?? trigger, action: 'entity.aspire', subject: `${plan.entity}:${plainKey(value)}`, after: { rows: v.rows, version: v.version, trigger }, reason: `migrated by aspire (${trigger})` }),
        ]);
        this.metrics.rows.inc({ entity: plan.entity }, v.rows);
      } else if (v.kind === 'quarantined') {
        // the entity stays served by legacy: the ledger says so, whatever apply wrote for the rows that did go through
        const r = await this.o.state.upsertLedger([{ entity: plan.entity, key: lk, state: 'quarantined', version: v.version, origin: 'aspire' }]);
        if (r.applied === 0) await this.o.state.setLedgerState([{ entity: plan.entity, key: lk, state: 'quarantined' }]);
      }
    } catch (e) {
      v = { kind: 'failed', reason: 'FINALIZE_FAILED', message: `next holds the entity but marking it failed: ${(e as Error).message}`, retryable: true };
    }
    const state = v.kind === 'migrated' ? 'migrated' : v.kind === 'quarantined' ? 'quarantined' : 'failed';
    await this.finishes.add({ entity: plan.entity, key: lk, owner: this.owner, state, rows: v.kind === 'migrated' ? v.rows : 0,
      version: v.kind === 'failed' ? null : v.version, result: verdictJson(v) }).catch(() => undefined);
    if (v.kind === 'migrated') this.remember(plan.entity, lk);
    return v;
  }

  private remember(entity: string, lk: string): void {
    if (this.migrated.size >= MIGRATED_MEMORY) this.migrated.delete(this.migrated.values().next().value!);
    this.migrated.add(`${entity}\u0000${lk}`);
  }

  /** Requests queued by other processes: claimed and flown here like local calls (their waiters read the line). */
  private async serve(): Promise<void> {
    this.unsubscribe = this.o.flights.subscribe((e) => { if (e.state === 'queued') this.kick?.(); });
    while (!this.closed) {
      try {
        for (const r of await this.o.flights.queued(64)) {
          const plain = (r.result as { request?: { key?: string } } | null)?.request?.key;
          let plan: EntityPlan, value: Value;
          try {
            plan = planFor(this.plans, r.entity);
            if (plain === undefined) throw new AspireBadKeyError(r.entity, r.key, 'the queued request carries no key');
            value = keyValue(plan, plain);
          } catch (e) {
            // a request this process cannot serve is answered, not left queued for ever
            if (!(e instanceof AspireError)) throw e;
            const c = await this.o.flights.claim({ entity: r.entity, key: r.key, owner: this.owner, leaseMs: 1_000, trigger: r.trigger });
            if (c.claimed) await this.o.flights.finish({ entity: r.entity, key: r.key, owner: this.owner, state: 'failed', rows: 0, version: null, result: verdictJson({ kind: 'failed', reason: e.code, message: e.message, retryable: false }) });
            continue;
          }
          void this.flight(plan, value, r.trigger, r.actor ?? undefined).then((v) => {
            const res = toResult(plan.entity, plain, 0, v, false);
            this.metrics.calls.inc({ entity: plan.entity, trigger: r.trigger, outcome: res.outcome });
          });
        }
      } catch { /* the store is unreachable for now: requests wait in it */ }
      await new Promise<void>((res) => {
        const t = setTimeout(done, this.o.servePollMs ?? 25);
        function done() { clearTimeout(t); res(); }
        this.kick = done;
      });
      this.kick = null;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.kick?.();
    await this.serving;
    await Promise.allSettled([...this.local.values()]);
    await this.runner.idle();
    await this.o.flights.release(this.owner).catch(() => undefined);
  }
}

/** An error out of the state store or a bug: an answer all the same (the store's errors are mostly connection losses). */
export function unexpected(e: unknown): Flown {
  const code = e instanceof SiphonError ? e.code : 'STATE_UNAVAILABLE';
  return { kind: 'failed', reason: code, message: `aspire could not run: ${e instanceof Error ? e.message : String(e)}`, retryable: !(e instanceof SiphonError) || e.retryable, joined: false };
}

export type { AspireTrigger };
