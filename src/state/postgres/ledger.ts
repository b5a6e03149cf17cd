/**
 * The ledger's statements on PostgreSQL (PostgresStateStore delegates to these): upserts that only move forward by
 * version, state changes, reads, counts, and the follower's page of changes (`ledgerChanges`, two positions so that a
 * long transaction elsewhere on the server delays no one). `s` is the quoted schema.
 */
import type pg from 'pg';
import { withPgTransaction } from '../../backends/postgres/transaction.js';
import { chunks, newestPerKey } from '../batch.js';
import { StateInputError } from '../errors.js';
import { LEDGER_STATES } from '../types.js';
import type {
  LedgerChangePage, LedgerChangesQuery, LedgerCount, LedgerEntry, LedgerPageQuery, LedgerStateChange, LedgerUpsert,
  LedgerUpsertResult, Page,
} from '../types.js';
import * as v from '../validate.js';
import { byteOrder, queryRows as rows, toLedger, type LedgerRow } from './rows.js';

type Db = pg.Pool | pg.PoolClient;
const LEDGER_CHUNK = 5000;

export async function upsertLedger(pool: pg.Pool, s: string, entries: readonly LedgerUpsert[]): Promise<LedgerUpsertResult> {
  const checked = entries.map((e, i) => v.ledgerUpsert(`upsertLedger: entries[${i}]`, e));
  const { entries: unique, dropped } = newestPerKey(checked);
  // one lock order for every writer, so two appliers upserting overlapping batches cannot deadlock
  unique.sort((a, b) => (a.entity === b.entity ? byteOrder(a.key, b.key) : byteOrder(a.entity, b.entity)));
  if (unique.length === 0) return { applied: 0, stale: dropped };
  // one statement is atomic by itself: BEGIN and COMMIT would only add two round trips (every apply batch and every
  // aspire chunk writes the ledger)
  const write = unique.length <= LEDGER_CHUNK ? <T>(fn: (c: Db) => Promise<T>) => fn(pool) : <T>(fn: (c: Db) => Promise<T>) => withPgTransaction(pool, fn);
  const applied = await write(async (c) => {
    let n = 0;
    for (const part of chunks(unique, LEDGER_CHUNK)) {
      const r = await c.query(`
        INSERT INTO ${s}.ledger AS l (entity, key, state, version, origin)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
        ON CONFLICT (entity, key) DO UPDATE SET state = excluded.state, version = excluded.version,
          origin = excluded.origin, updated_at = now()
        WHERE excluded.version COLLATE "C" > l.version COLLATE "C"`,
      [part.map((e) => e.entity), part.map((e) => e.key), part.map((e) => e.state), part.map((e) => e.version), part.map((e) => e.origin)]);
      n += r.rowCount ?? 0;
    }
    return n;
  });
  return { applied, stale: unique.length - applied + dropped };
}

export async function setLedgerState(pool: pg.Pool, s: string, changes: readonly LedgerStateChange[]): Promise<number> {
  changes.forEach((c, i) => v.ledgerStateChange(`setLedgerState: changes[${i}]`, c));
  return withPgTransaction(pool, async (c) => {
    let n = 0;
    for (const ch of changes) {
      const r = await c.query(`UPDATE ${s}.ledger SET state = $1, updated_at = now()
        WHERE entity = $2 AND key = $3 AND ($4::text IS NULL OR version = $4) AND ($5::text[] IS NULL OR state = ANY($5))`,
      [ch.state, ch.entity, ch.key, ch.ifVersion ?? null, ch.ifState ?? null]);
      n += r.rowCount ?? 0;
    }
    return n;
  });
}

export async function getLedger(pool: pg.Pool, s: string, entity: string, key: string): Promise<LedgerEntry | undefined> {
  const r = await rows<LedgerRow>(pool, `SELECT * FROM ${s}.ledger WHERE entity = $1 AND key = $2`,
    [v.text('getLedger: entity', entity), v.text('getLedger: key', key)]);
  return r[0] && toLedger(r[0]);
}

export async function getLedgerMany(pool: pg.Pool, s: string, entity: string, keys: readonly string[]): Promise<LedgerEntry[]> {
  v.text('getLedgerMany: entity', entity);
  keys.forEach((k, i) => v.text(`getLedgerMany: keys[${i}]`, k));
  const r = await rows<LedgerRow>(pool, `SELECT * FROM ${s}.ledger WHERE entity = $1 AND key = ANY($2::text[]) ORDER BY key`, [entity, keys]);
  return r.map(toLedger);
}

export async function listLedger(pool: pg.Pool, s: string, q: LedgerPageQuery): Promise<Page<LedgerEntry, string>> {
  const n = v.limit('listLedger: limit', q.limit, 1000, 10_000);
  const r = await rows<LedgerRow>(pool, `SELECT * FROM ${s}.ledger
    WHERE entity = $1 AND ($2::text IS NULL OR key > $2) AND ($3::text IS NULL OR state = $3) ORDER BY key LIMIT $4`, [
    v.text('listLedger: entity', q.entity),
    q.after === undefined ? null : v.text('listLedger: after', q.after),
    q.state === undefined ? null : v.oneOf('listLedger: state', q.state, LEDGER_STATES),
    n + 1]);
  const items = r.slice(0, n).map(toLedger);
  return { items, next: r.length > n ? items[items.length - 1]!.key : null };
}

export async function ledgerCounts(pool: pg.Pool, s: string, entity?: string): Promise<LedgerCount[]> {
  const r = await rows<{ entity: string; state: LedgerCount['state']; count: string }>(pool,
    `SELECT entity, state, count(*) AS count FROM ${s}.ledger WHERE ($1::text IS NULL OR entity = $1)
     GROUP BY entity, state ORDER BY entity, state`, [entity === undefined ? null : v.text('ledgerCounts: entity', entity)]);
  return r.map((x) => ({ entity: x.entity, state: x.state, count: Number(x.count) }));
}

export async function ledgerChanges(pool: pg.Pool, s: string, q: LedgerChangesQuery): Promise<LedgerChangePage> {
  const n = v.limit('ledgerChanges: limit', q.limit, 1000, 10_000);
  const m = q.after === null ? undefined : /^(\d{1,20}):(\d{1,19})(?:@(\d{1,20}):(\d{1,19}))?$/.exec(q.after);
  if (m === null) throw new StateInputError('ledgerChanges: after', 'a cursor of this PostgreSQL store', q.after);
  // Two positions. `safe` only moves over lines of transactions older than every running one: a line with a smaller
  // (txid, seq) can never commit behind it (m030), so nothing is skipped. `ahead` moves over committed lines of newer
  // transactions, so a writer running long elsewhere on the server delays no one; lines behind `ahead` that commit
  // late are still read once `safe` reaches them (a follower keeps the latest form per key: a repeat is harmless).
  // Cursor text: `txid:seq` or `txid:seq@txid:seq`. One statement, one snapshot.
  const safePos = m ? [m[1]!, m[2]!] as const : undefined;
  const aheadPos = m?.[3] !== undefined ? [m[3], m[4]!] as const : safePos;
  const params: unknown[] = [n + 1];
  const after = (pos: readonly [string, string] | undefined): string => {
    if (!pos) return '';
    params.push(pos[0], pos[1]);
    return `AND (l.change_txid, l.seq) > ($${params.length - 1}::text::xid8, $${params.length}::bigint)`;
  };
  const safeCond = after(safePos);
  const aheadCond = after(aheadPos);
  const r = await rows<LedgerRow & { txid: string; seq: string; safe: boolean }>(pool, `
    WITH x AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
    safe AS (
      SELECT l.*, true AS safe FROM ${s}.ledger l, x WHERE l.change_txid < x.xmin ${safeCond}
      ORDER BY l.change_txid, l.seq LIMIT $1),
    ahead AS (
      SELECT l.*, false AS safe FROM ${s}.ledger l, x WHERE l.change_txid >= x.xmin ${aheadCond}
      ORDER BY l.change_txid, l.seq LIMIT $1)
    SELECT entity, key, state, version, origin, created_at, updated_at, change_txid::text AS txid, seq, safe
    FROM (SELECT * FROM safe UNION ALL SELECT * FROM ahead) u ORDER BY safe DESC, change_txid, seq`, params);
  const safe = r.filter((x) => x.safe);
  const ahead = r.filter((x) => !x.safe);
  const full = safe.length > n;
  const page = full ? safe.slice(0, n) : [...safe, ...ahead.slice(0, n - safe.length)];
  const lastSafe = full ? page[n - 1] : safe[safe.length - 1];
  const lastAhead = full ? undefined : page.filter((x) => !x.safe).pop();
  const s1: readonly [string, string] = lastSafe ? [lastSafe.txid, String(lastSafe.seq)] : (safePos ?? ['0', '0']);
  const a1 = lastAhead ? [lastAhead.txid, String(lastAhead.seq)] as const : aheadPos;
  const later = (a: readonly [string, string], b: readonly [string, string]) => {
    const [at, as, bt, bs] = [BigInt(a[0]), BigInt(a[1]), BigInt(b[0]), BigInt(b[1])];
    return at > bt || (at === bt && as > bs);
  };
  const cursor = `${s1[0]}:${s1[1]}${a1 && later(a1, s1) ? `@${a1[0]}:${a1[1]}` : ''}`;
  return { items: page.map(toLedger), cursor, more: full || ahead.length > n - safe.length };
}
