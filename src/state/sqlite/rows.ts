/** Row shapes as better-sqlite3 returns them, and their mapping to the store's records. */
import type {
  AuditEntry, DiffAggregate, JsonObject, JsonValue, LedgerEntry, LedgerOrigin, LedgerState, QuarantineItem,
  QuarantineState, Route, RouteMatch, ModeKind,
} from '../types.js';

export interface LedgerRow { entity: string; key: string; state: string; version: string; origin: string; created_at: number; updated_at: number }
export interface RouteRow { id: string; position: number; match_json: string; mode: string; canary_percent: number; options_json: string; updated_at: number }
export interface AuditRow { id: number; at: number; actor: string; action: string; subject: string; before_json: string | null; after_json: string | null; reason: string | null }
export interface QuarantineRow {
  id: number; source_table: string; key: string; payload_json: string; reason_code: string; message: string;
  attempts: number; first_seen: number; last_seen: number; state: string;
}
export interface DiffRow { endpoint: string; field_path: string; kind: string; count: number; samples_json: string; first_seen: number; last_seen: number }

const parse = (s: string | null): JsonValue => (s === null ? null : (JSON.parse(s) as JsonValue));

export const toLedger = (r: LedgerRow): LedgerEntry => ({
  entity: r.entity, key: r.key, state: r.state as LedgerState, version: r.version, origin: r.origin as LedgerOrigin,
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});

export const toRoute = (r: RouteRow): Route => ({
  id: r.id, position: r.position, match: JSON.parse(r.match_json) as RouteMatch, mode: r.mode as ModeKind,
  canaryPercent: r.canary_percent, options: JSON.parse(r.options_json) as JsonObject, updatedAt: new Date(r.updated_at),
});

export const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id, at: new Date(r.at), actor: r.actor, action: r.action, subject: r.subject,
  before: parse(r.before_json), after: parse(r.after_json), reason: r.reason,
});

export const toQuarantine = (r: QuarantineRow): QuarantineItem => ({
  id: r.id, sourceTable: r.source_table, key: r.key, payload: parse(r.payload_json), reasonCode: r.reason_code,
  message: r.message, attempts: r.attempts, firstSeen: new Date(r.first_seen), lastSeen: new Date(r.last_seen),
  state: r.state as QuarantineState,
});

export const toDiff = (r: DiffRow): DiffAggregate => ({
  endpoint: r.endpoint, fieldPath: r.field_path, kind: r.kind, count: r.count,
  samples: JSON.parse(r.samples_json) as JsonValue[], firstSeen: new Date(r.first_seen), lastSeen: new Date(r.last_seen),
});
