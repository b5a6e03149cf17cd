import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import type { JsonValue } from '../types.js';
import type { AspireFlightStore, FlightClaim, FlightFinish, FlightRecord, FlightRequest, FlightState } from './types.js';

type Line = {
  entity: string; key: string; state: string; owner: string | null; lease_until: number; trigger: string; actor: string | null; rows: number;
  version: string | null; result_json: string | null; attempts: number; requested_at: number; updated_at: number;
};

const toRecord = (r: Line): FlightRecord => ({
  entity: r.entity, key: r.key, state: r.state as FlightState, owner: r.owner, leaseUntil: Number(r.lease_until), trigger: r.trigger, actor: r.actor,
  rows: r.rows, version: r.version, result: r.result_json === null ? null : JSON.parse(r.result_json) as JsonValue, attempts: r.attempts,
  requestedAt: Number(r.requested_at), updatedAt: Number(r.updated_at),
});

/** In-process change signals per state file: every handle of this process on the same file shares them. */
const buses = new Map<string, EventEmitter>();
function busFor(path: string): EventEmitter {
  let b = buses.get(path);
  if (!b) { b = new EventEmitter(); b.setMaxListeners(0); buses.set(path, b); }
  return b;
}

/** Claimable: no line, a new attempt after an end that was not a success, or a running line whose owner's lease ran out. */
const CLAIMABLE = `aspire_flights.state IN ('queued', 'failed', 'quarantined') OR (aspire_flights.state = 'running' AND aspire_flights.lease_until < excluded.updated_at)`;

export class SqliteAspireFlights implements AspireFlightStore {
  readonly kind = 'sqlite' as const;
  private readonly bus: EventEmitter;
  private readonly stmts;

  private constructor(private readonly db: Database.Database, path: string) {
    this.bus = busFor(path);
    this.stmts = {
      claim: db.prepare(`INSERT INTO aspire_flights (entity, key, state, owner, lease_until, trigger, actor, attempts, requested_at, updated_at)
        VALUES (?, ?, 'running', ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (entity, key) DO UPDATE SET state = 'running', owner = excluded.owner,
        lease_until = excluded.lease_until, trigger = excluded.trigger, actor = excluded.actor, attempts = aspire_flights.attempts + 1,
        updated_at = excluded.updated_at WHERE ${CLAIMABLE} OR (? = 1 AND aspire_flights.state = 'migrated')`),
      request: db.prepare(`INSERT INTO aspire_flights (entity, key, state, owner, lease_until, trigger, actor, attempts, requested_at, updated_at, result_json)
        VALUES (?, ?, 'queued', NULL, 0, ?, ?, 0, ?, ?, ?) ON CONFLICT (entity, key) DO UPDATE SET state = 'queued', owner = NULL, lease_until = 0,
        trigger = excluded.trigger, actor = excluded.actor, requested_at = excluded.requested_at, updated_at = excluded.updated_at, result_json = excluded.result_json
        WHERE aspire_flights.state IN ('failed', 'quarantined') OR (aspire_flights.state = 'running' AND aspire_flights.lease_until < excluded.updated_at)`),
      get: db.prepare('SELECT * FROM aspire_flights WHERE entity = ? AND key = ?'),
      finish: db.prepare(`UPDATE aspire_flights SET state = ?, rows = ?, version = ?, result_json = ?, lease_until = 0, updated_at = ?
        WHERE entity = ? AND key = ? AND owner = ? AND state = 'running'`),
      release: db.prepare(`UPDATE aspire_flights SET state = 'failed', lease_until = 0, updated_at = ?, result_json = '{"reason":"RELEASED"}'
        WHERE owner = ? AND state = 'running' RETURNING entity, key`),
      queued: db.prepare(`SELECT * FROM aspire_flights WHERE state = 'queued' ORDER BY requested_at LIMIT ?`),
    };
  }

  /** The store must already be migrated (`openStateStore` does it). */
  static open(path: string): SqliteAspireFlights {
    const db = new Database(path, { timeout: 10_000, fileMustExist: true });
    db.pragma('journal_mode = WAL');
    return new SqliteAspireFlights(db, path);
  }

  async claim(c: FlightClaim): Promise<{ claimed: boolean; record: FlightRecord }> {
    return (await this.claimMany([c]))[0]!;
  }

  /** One write transaction for all the claims (in order: a key given twice is claimed by the first). */
  async claimMany(claims: readonly FlightClaim[]): Promise<{ claimed: boolean; record: FlightRecord }[]> {
    const now = Date.now();
    const r = this.db.transaction(() => claims.map((c) => {
      const changed = this.stmts.claim.run(c.entity, c.key, c.owner, now + c.leaseMs, c.trigger, c.actor ?? null, now, now, c.evenIfMigrated ? 1 : 0).changes;
      return { changed, line: this.stmts.get.get(c.entity, c.key) as Line };
    })).immediate();
    r.forEach((x, i) => { if (x.changed > 0) this.emit('running', claims[i]!.entity, claims[i]!.key); });
    return r.map((x) => ({ claimed: x.changed > 0, record: toRecord(x.line) }));
  }

  async finish(f: FlightFinish): Promise<boolean> {
    return (await this.finishMany([f]))[0]!;
  }

  async finishMany(fs: readonly FlightFinish[]): Promise<boolean[]> {
    const now = Date.now();
    const done = this.db.transaction(() => fs.map((f) => this.stmts.finish.run(f.state, f.rows, f.version, JSON.stringify(f.result), now, f.entity, f.key, f.owner).changes > 0)).immediate();
    done.forEach((d, i) => { if (d) this.emit(fs[i]!.state, fs[i]!.entity, fs[i]!.key); });
    return done;
  }

  async release(owner: string): Promise<number> {
    const lines = this.stmts.release.all(Date.now(), owner) as { entity: string; key: string }[];
    for (const l of lines) this.emit('failed', l.entity, l.key);
    return lines.length;
  }

  async request(r: FlightRequest): Promise<{ created: boolean; record: FlightRecord }> {
    const now = Date.now();
    const out = this.db.transaction(() => {
      const changed = this.stmts.request.run(r.entity, r.key, r.trigger, r.actor ?? null, now, now, JSON.stringify({ request: { key: r.plainKey } })).changes;
      return { changed, line: this.stmts.get.get(r.entity, r.key) as Line };
    }).immediate();
    if (out.changed > 0) this.emit('queued', r.entity, r.key);
    return { created: out.changed > 0, record: toRecord(out.line) };
  }

  async get(entity: string, key: string): Promise<FlightRecord | undefined> {
    const l = this.stmts.get.get(entity, key) as Line | undefined;
    return l && toRecord(l);
  }

  async queued(limit: number): Promise<FlightRecord[]> {
    return (this.stmts.queued.all(limit) as Line[]).map(toRecord);
  }

  subscribe(fn: (e: { state: FlightState; entity: string; key: string }) => void): () => void {
    this.bus.on('change', fn);
    return () => { this.bus.off('change', fn); };
  }

  private emit(state: FlightState, entity: string, key: string): void {
    this.bus.emit('change', { state, entity, key });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
