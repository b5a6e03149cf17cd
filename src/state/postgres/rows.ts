/** Row shapes as pg returns them (int8 as string, jsonb parsed, timestamptz as Date), their mapping, and the query helper. */
import type pg from 'pg';
import type {
  AuditEntry, DiffAggregate, JsonObject, JsonValue, LedgerEntry, LedgerOrigin, LedgerState, QuarantineItem,
  QuarantineState, Route, RouteMatch, ModeKind,
} from '../types.js';

export interface LedgerRow { entity: string; key: string; state: string; version: string; origin: string; created_at: Date; updated_at: Date }
export interface RouteRow { id: string; position: number; match_json: RouteMatch; mode: string; canary_percent: number; options_json: JsonObject; updated_at: Date }
export interface AuditRow { id: string; at: Date; actor: string; action: string; subject: string; before_json: JsonValue; after_json: JsonValue; reason: string | null }
export interface QuarantineRow {
  id: string; source_table: string; key: string; payload_json: JsonValue; reason_code: string; message: string;
  attempts: number; first_seen: Date; last_seen: Date; state: string;
}
export interface DiffRow { endpoint: string; field_path: string; kind: string; count: string; samples_json: JsonValue[]; first_seen: Date; last_seen: Date }

export const toLedger = (r: LedgerRow): LedgerEntry => ({
  entity: r.entity, key: r.key, state: r.state as LedgerState, version: r.version, origin: r.origin as LedgerOrigin,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

export const toRoute = (r: RouteRow): Route => ({
  id: r.id, position: r.position, match: r.match_json, mode: r.mode as ModeKind, canaryPercent: r.canary_percent,
  options: r.options_json, updatedAt: r.updated_at,
});

export const toAudit = (r: AuditRow): AuditEntry => ({
  id: Number(r.id), at: r.at, actor: r.actor, action: r.action, subject: r.subject,
  before: r.before_json ?? null, after: r.after_json ?? null, reason: r.reason,
});

export const toQuarantine = (r: QuarantineRow): QuarantineItem => ({
  id: Number(r.id), sourceTable: r.source_table, key: r.key, payload: r.payload_json, reasonCode: r.reason_code,
  message: r.message, attempts: r.attempts, firstSeen: r.first_seen, lastSeen: r.last_seen, state: r.state as QuarantineState,
});

export const toDiff = (r: DiffRow): DiffAggregate => ({
  endpoint: r.endpoint, fieldPath: r.field_path, kind: r.kind, count: Number(r.count), samples: r.samples_json,
  firstSeen: r.first_seen, lastSeen: r.last_seen,
});

/** A query's rows, on the pool or on a transaction's client. */
export async function queryRows<R extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, sql: string, params: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(sql, params)).rows;
}

/** Byte order of the UTF-8 texts (the order `COLLATE "C"` sorts in): one lock order for every writer of the ledger. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
