/**
 * WHERE clauses for the list queries, written once with `?` placeholders; the PostgreSQL adapter renumbers them
 * (`toPgParams`). Our SQL never contains a literal `?`, so the rewrite is safe.
 */
import { StateInputError } from './errors.js';
import { QUARANTINE_STATES, type AuditQuery, type QuarantineQuery } from './types.js';
import { limit, oneOf, text } from './validate.js';

export interface Filter { readonly where: string; readonly params: unknown[]; readonly limit: number }

export function auditFilter(q: AuditQuery, time: (d: Date) => unknown): Filter {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (q.actor !== undefined) { parts.push('actor = ?'); params.push(text('listAudit: actor', q.actor)); }
  if (q.subject !== undefined) { parts.push('subject = ?'); params.push(text('listAudit: subject', q.subject)); }
  if (q.action !== undefined) {
    const a = text('listAudit: action', q.action);
    if (a.endsWith('*') || a.endsWith('.')) {
      const prefix = a.endsWith('*') ? a.slice(0, -1) : a;
      parts.push('substr(action, 1, ?) = ?');
      params.push(prefix.length, prefix);
    } else { parts.push('action = ?'); params.push(a); }
  }
  if (q.since !== undefined) { parts.push('at >= ?'); params.push(time(date('listAudit: since', q.since))); }
  if (q.until !== undefined) { parts.push('at < ?'); params.push(time(date('listAudit: until', q.until))); }
  if (q.beforeId !== undefined) { parts.push('id < ?'); params.push(id('listAudit: beforeId', q.beforeId)); }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params, limit: limit('listAudit: limit', q.limit, 100, 1000) };
}

export function quarantineFilter(q: QuarantineQuery): Filter {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (q.sourceTable !== undefined) { parts.push('source_table = ?'); params.push(text('listQuarantine: sourceTable', q.sourceTable)); }
  if (q.reasonCode !== undefined) { parts.push('reason_code = ?'); params.push(text('listQuarantine: reasonCode', q.reasonCode)); }
  if (q.key !== undefined) { parts.push('key = ?'); params.push(text('listQuarantine: key', q.key)); }
  if (q.state !== undefined) { parts.push('state = ?'); params.push(oneOf('listQuarantine: state', q.state, QUARANTINE_STATES)); }
  if (q.afterId !== undefined) { parts.push('id > ?'); params.push(id('listQuarantine: afterId', q.afterId)); }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params, limit: limit('listQuarantine: limit', q.limit, 100, 1000) };
}

export function toPgParams(sql: string, offset = 0): string {
  let n = offset;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function date(where: string, d: unknown): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new StateInputError(where, 'a valid Date', d);
  return d;
}

function id(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new StateInputError(where, 'a non-negative integer id', v);
  return v;
}
