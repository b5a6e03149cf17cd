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

  claim(c: FlightClaim): Promise<{ claimed: boolean; record: FlightRecord }> {
    return this.claimMany([c]).then((r) => r[0]!);
  }

  /**
   * Claims in one statement per kind (with or without `evenIfMigrated`), the NOTIFY of each claimed line in the same
   * statement; the lines not claimed come back as they are. A key given twice is claimed once, then asked again.
   */
  async claimMany(claims: readonly FlightClaim[]): Promise<{ claimed: boolean; record: FlightRecord }[]> {
    const out: ({ claimed: boolean; record: FlightRecord } | undefined)[] = new Array(claims.length);
    const seen = new Set<string>();
    const again: number[] = [];
    const groups: [number[], number[]] = [[], []];
    claims.forEach((c, i) => {
      const k = `${c.entity}\u0000${c.key}`;
      if (seen.has(k)) { again.push(i); return; }
      seen.add(k);
      groups[c.evenIfMigrated === true ? 1 : 0].push(i);
    });
    await Promise.all(groups.map(async (idx, even) => {
      if (idx.length === 0) return;
      const now = Date.now();
      const pick = <T>(f: (c: FlightClaim) => T) => idx.map((i) => f(claims[i]!));
      const r = await this.pool.query<Line & { claimed: boolean }>(`WITH i AS (
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS i(entity, key, owner, lease_until, trigger, actor)),
        c AS (INSERT INTO ${this.s}.aspire_flights AS f (entity, key, state, owner, lease_until, trigger, actor, attempts, requested_at, updated_at)
          SELECT entity, key, 'running', owner, lease_until, trigger, actor, 1, $7, $7 FROM i
          ON CONFLICT (entity, key) DO UPDATE SET state = 'running', owner = excluded.owner, lease_until = excluded.lease_until, trigger = excluded.trigger,
          actor = excluded.actor, attempts = f.attempts + 1, updated_at = excluded.updated_at
          WHERE f.state IN ('queued', 'failed', 'quarantined') OR (f.state = 'running' AND f.lease_until < excluded.updated_at) OR ($8 AND f.state = 'migrated')
          RETURNING f.*),
        n AS (SELECT pg_notify($9, 'running' || E'\t' || entity || E'\t' || key)::text AS sent FROM c)
        -- a SELECT in a WITH runs only if referenced: the always-true count makes n (the NOTIFYs) run
        SELECT true AS claimed, c.* FROM c WHERE (SELECT count(*) FROM n) >= 0
        UNION ALL SELECT false AS claimed, f.* FROM ${this.s}.aspire_flights f JOIN i USING (entity, key)
          WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.entity = f.entity AND c.key = f.key)`,
      [pick((c) => c.entity), pick((c) => c.key), pick((c) => c.owner), pick((c) => now + c.leaseMs), pick((c) => c.trigger), pick((c) => c.actor ?? null),
        now, even === 1, this.channel]);
      const byKey = new Map(r.rows.map((l) => [`${l.entity}\u0000${l.key}`, l]));
      for (const i of idx) {
        const c = claims[i]!;
        const l = byKey.get(`${c.entity}\u0000${c.key}`);
        // no line: it was inserted by another transaction after this statement's snapshot (or deleted by hand): ask again
        if (l) out[i] = { claimed: l.claimed, record: toRecord(l) }; else again.push(i);
      }
    }));
    if (again.length > 0) {
      const rest = await this.claimMany(again.map((i) => claims[i]!));
      again.forEach((i, j) => { out[i] = rest[j]; });
    }
    return out as { claimed: boolean; record: FlightRecord }[];
  }

  finish(f: FlightFinish): Promise<boolean> {
    return this.finishMany([f]).then((r) => r[0]!);
  }

  /** Settles flights in one statement, the NOTIFY of each settled line in the same statement. */
  async finishMany(fs: readonly FlightFinish[]): Promise<boolean[]> {
    if (fs.length === 0) return [];
    const r = await this.pool.query<{ entity: string; key: string; owner: string }>(`WITH u AS (
        UPDATE ${this.s}.aspire_flights f SET state = i.state, rows = i.rows, version = i.version, result_json = i.result::jsonb, lease_until = 0, updated_at = $8
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[]) AS i(entity, key, owner, state, rows, version, result)
        WHERE f.entity = i.entity AND f.key = i.key AND f.owner = i.owner AND f.state = 'running'
        RETURNING f.entity, f.key, f.owner, f.state)
      SELECT entity, key, owner, pg_notify($9, state || E'\t' || entity || E'\t' || key)::text AS sent FROM u`,
    [fs.map((f) => f.entity), fs.map((f) => f.key), fs.map((f) => f.owner), fs.map((f) => f.state), fs.map((f) => f.rows), fs.map((f) => f.version),
      fs.map((f) => JSON.stringify(f.result)), Date.now(), this.channel]);
    const done = new Set(r.rows.map((l) => `${l.entity}\u0000${l.key}\u0000${l.owner}`));
    return fs.map((f) => done.has(`${f.entity}\u0000${f.key}\u0000${f.owner}`));
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
