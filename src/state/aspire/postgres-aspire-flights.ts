import pg from 'pg';
import type { JsonValue } from '../types.js';
import type { AspireFlightStore, FlightClaim, FlightFinish, FlightRecord, FlightRequest, FlightState } from './types.js';

type Line = {
  entity: string; key: string; state: string; owner: string | null; lease_until: string; trigger: string; actor: string | null; rows: number;
  version: string | null; result_json: JsonValue; attempts: number; requested_at: string; updated_at: string;
};

const toRecord = (r: Line): FlightRecord => ({
  entity: r.entity, key: r.key, state: r.state as FlightState, owner: r.owner, leaseUntil: Number(r.lease_until), trigger: r.trigger, actor: r.actor,
  rows: r.rows, version: r.version, result: r.result_json ?? null, attempts: r.attempts, requestedAt: Number(r.requested_at), updatedAt: Number(r.updated_at),
});

type Listener = (e: { state: FlightState; entity: string; key: string }) => void;

/**
 * Aspire's flights in the PostgreSQL state store's schema. Every change of a line is NOTIFYed (channel
 * `siphon_aspire_<schema>`, payload `state\tentity\tkey`) so waiters in other processes wake at once instead of
 * polling fast; the listening connection is opened on the first subscription.
 */
export class PostgresAspireFlights implements AspireFlightStore {
  readonly kind = 'postgres' as const;
  private readonly s: string;
  private readonly channel: string;
  private readonly listeners = new Set<Listener>();
  private listen: Promise<pg.Client | null> | null = null;
  private closed = false;

  constructor(private readonly pool: pg.Pool, private readonly config: pg.ClientConfig, schema: string) {
    this.s = `"${schema}"`;
    this.channel = `siphon_aspire_${schema}`.slice(0, 63);
    pool.on('error', () => undefined);
  }

  async claim(c: FlightClaim): Promise<{ claimed: boolean; record: FlightRecord }> {
    const now = Date.now();
    const r = await this.pool.query<Line>(`INSERT INTO ${this.s}.aspire_flights AS f (entity, key, state, owner, lease_until, trigger, actor, attempts, requested_at, updated_at)
      VALUES ($1, $2, 'running', $3, $4, $5, $6, 1, $7, $7) ON CONFLICT (entity, key) DO UPDATE SET state = 'running', owner = excluded.owner,
      lease_until = excluded.lease_until, trigger = excluded.trigger, actor = excluded.actor, attempts = f.attempts + 1, updated_at = excluded.updated_at
      WHERE f.state IN ('queued', 'failed', 'quarantined') OR (f.state = 'running' AND f.lease_until < excluded.updated_at) OR ($8 AND f.state = 'migrated') RETURNING *`,
    [c.entity, c.key, c.owner, now + c.leaseMs, c.trigger, c.actor ?? null, now, c.evenIfMigrated === true]);
    if (r.rows.length > 0) { await this.notify('running', c.entity, c.key); return { claimed: true, record: toRecord(r.rows[0]!) }; }
    const line = await this.get(c.entity, c.key);
    // the line went away between the two statements only if somebody deleted it by hand: claim again
    return line ? { claimed: false, record: line } : this.claim(c);
  }

  async finish(f: FlightFinish): Promise<boolean> {
    const r = await this.pool.query(`UPDATE ${this.s}.aspire_flights SET state = $1, rows = $2, version = $3, result_json = $4, lease_until = 0, updated_at = $5
      WHERE entity = $6 AND key = $7 AND owner = $8 AND state = 'running'`, [f.state, f.rows, f.version, JSON.stringify(f.result), Date.now(), f.entity, f.key, f.owner]);
    if ((r.rowCount ?? 0) > 0) await this.notify(f.state, f.entity, f.key);
    return (r.rowCount ?? 0) > 0;
  }

  async release(owner: string): Promise<number> {
    const r = await this.pool.query<{ entity: string; key: string }>(`UPDATE ${this.s}.aspire_flights SET state = 'failed', lease_until = 0, updated_at = $1,
      result_json = '{"reason":"RELEASED"}' WHERE owner = $2 AND state = 'running' RETURNING entity, key`, [Date.now(), owner]);
    for (const l of r.rows) await this.notify('failed', l.entity, l.key);
    return r.rows.length;
  }

  async request(q: FlightRequest): Promise<{ created: boolean; record: FlightRecord }> {
    const now = Date.now();
    const r = await this.pool.query<Line>(`INSERT INTO ${this.s}.aspire_flights AS f (entity, key, state, owner, lease_until, trigger, actor, attempts, requested_at, updated_at, result_json)
      VALUES ($1, $2, 'queued', NULL, 0, $3, $4, 0, $5, $5, $6) ON CONFLICT (entity, key) DO UPDATE SET state = 'queued', owner = NULL, lease_until = 0,
      trigger = excluded.trigger, actor = excluded.actor, requested_at = excluded.requested_at, updated_at = excluded.updated_at, result_json = excluded.result_json
      WHERE f.state IN ('failed', 'quarantined') OR (f.state = 'running' AND f.lease_until < excluded.updated_at) RETURNING *`,
    [q.entity, q.key, q.trigger, q.actor ?? null, now, JSON.stringify({ request: { key: q.plainKey } })]);
    if (r.rows.length > 0) { await this.notify('queued', q.entity, q.key); return { created: true, record: toRecord(r.rows[0]!) }; }
    const line = await this.get(q.entity, q.key);
    return line ? { created: false, record: line } : this.request(q);
  }

  async get(entity: string, key: string): Promise<FlightRecord | undefined> {
    const r = await this.pool.query<Line>(`SELECT * FROM ${this.s}.aspire_flights WHERE entity = $1 AND key = $2`, [entity, key]);
    return r.rows[0] && toRecord(r.rows[0]);
  }

  async queued(limit: number): Promise<FlightRecord[]> {
    const r = await this.pool.query<Line>(`SELECT * FROM ${this.s}.aspire_flights WHERE state = 'queued' ORDER BY requested_at LIMIT $1`, [limit]);
    return r.rows.map(toRecord);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    this.listen ??= this.openListener();
    return () => { this.listeners.delete(fn); };
  }

  private async openListener(): Promise<pg.Client | null> {
    const c = new pg.Client({ ...this.config, application_name: 'siphon-aspire-listen' });
    c.on('error', () => { this.listen = null; }); // waiters poll too; the next subscription reconnects
    c.on('notification', (n) => {
      const [state, entity, key] = (n.payload ?? '').split('\t');
      if (state && entity !== undefined && key !== undefined) for (const l of this.listeners) l({ state: state as FlightState, entity, key });
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${this.channel}"`);
      if (this.closed) { await c.end(); return null; }
      return c;
    } catch {
      this.listen = null;
      await c.end().catch(() => undefined);
      return null;
    }
  }

  private async notify(state: FlightState, entity: string, key: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, `${state}\t${entity}\t${key}`]);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = await this.listen?.catch(() => null);
    await c?.end().catch(() => undefined);
    await this.pool.end();
  }
}
