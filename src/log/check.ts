import type { LogRecord } from './change.js';
import { LogRecordError } from './errors.js';

/**
 * Fast structural check of a record before append, on the capture hot path (the zod schema in codec.ts is the full
 * check on decode, at ~5x the cost). It enforces what a consumer relies on: the kind, non-empty identity fields, an
 * op consistent with its images, and every value being a canonical value (tag and JS type).
 */
const TEXT_TAGS = new Set(['int', 'dec', 'date', 'time', 'ts', 'lts', 'bytes', 'json']);
const OPS = new Set(['insert', 'update', 'delete', 'read']);

function checkRow(row: unknown, path: string, out: string[]): void {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) { out.push(`${path}: expected an object of column values`); return; }
  for (const col in row as Record<string, unknown>) {
    const v = (row as Record<string, unknown>)[col];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v !== 'object') { out.push(`${path}.${col}: ${typeof v} is not a canonical value (use the constructors of src/values)`); continue; }
    const t = (v as { t?: unknown }).t;
    const x = (v as { v?: unknown }).v;
    if (typeof t === 'string' && TEXT_TAGS.has(t)) { if (typeof x !== 'string') out.push(`${path}.${col}: a ${t} value needs text in v`); continue; }
    if (t === 'float') { if (typeof x !== 'number') out.push(`${path}.${col}: a float value needs a number in v`); continue; }
    if (t === 'invalid') { if (typeof (v as { raw?: unknown }).raw !== 'string') out.push(`${path}.${col}: an invalid value needs its raw text`); continue; }
    out.push(`${path}.${col}: not a canonical value (tag ${JSON.stringify(t)})`);
  }
}

function text(x: unknown, path: string, out: string[], nullable = false): void {
  if (nullable && x === null) return;
  if (typeof x !== 'string' || x.length === 0) out.push(`${path}: expected ${nullable ? 'null or ' : ''}non-empty text`);
}

// The last instant found valid: a batch's records mostly share their `at` (one per binlog event or transaction), so
// the regex and Date.parse run once per distinct value rather than once per record.
let lastValidInstant = '';
function instant(x: unknown, path: string, out: string[]): void {
  if (x === lastValidInstant && x !== '') return;
  if (typeof x !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(x) || Number.isNaN(Date.parse(x))) { out.push(`${path}: expected an ISO-8601 instant`); return; }
  lastValidInstant = x;
}

// One problem list reused by every call (checkRecord is synchronous): no array allocated per valid record.
const problems: string[] = [];

export function checkRecord(r: unknown, where: string): LogRecord {
  const out = problems;
  out.length = 0;
  if (r === null || typeof r !== 'object') throw new LogRecordError(where, ['expected an object']);
  const x = r as Record<string, unknown>;
  text(x.source, 'source', out);
  text(x.position, 'position', out);
  instant(x.at, 'at', out);
  switch (x.kind) {
    case 'change': {
      text(x.table, 'table', out);
      if (x.txid !== null && typeof x.txid !== 'string') out.push('txid: expected null or text');
      checkRow(x.key, 'key', out);
      if (x.key !== null && typeof x.key === 'object' && Object.keys(x.key).length === 0) out.push('key: a key needs at least one column');
      if (typeof x.op !== 'string' || !OPS.has(x.op)) { out.push(`op: expected insert, update, delete or read, found ${JSON.stringify(x.op)}`); break; }
      if (x.before !== null) checkRow(x.before, 'before', out);
      if (x.incomplete !== undefined && (!Array.isArray(x.incomplete) || x.incomplete.some((c) => typeof c !== 'string' || c === ''))) {
        out.push('incomplete: expected a list of column names');
      }
      if (x.oldKey !== undefined) {
        checkRow(x.oldKey, 'oldKey', out);
        if (x.op !== 'update') out.push(`oldKey: only an update can change the key, not an ${String(x.op)}`);
      }
      if (x.after !== null) checkRow(x.after, 'after', out);
      if (x.op === 'delete') {
        if (x.after !== null) out.push('after: a delete has no after image');
        if (x.before === null) out.push('before: a delete needs its before image (at least the key columns)');
      } else {
        if (x.after === null) out.push(`after: an ${x.op} needs its after image`);
        if ((x.op === 'insert' || x.op === 'read') && x.before !== null) out.push(`before: an ${x.op} has no before image`);
      }
      break;
    }
    case 'ddl':
      text(x.table, 'table', out);
      if (x.statement !== null && typeof x.statement !== 'string') out.push('statement: expected null or text');
      if (x.columns !== null && !Array.isArray(x.columns)) out.push('columns: expected null or an array');
      if (x.statement === null && x.columns === null) out.push('a DDL event needs its statement or its columns');
      if (x.txid !== null && typeof x.txid !== 'string') out.push('txid: expected null or text');
      break;
    case 'watermark':
      text(x.id, 'id', out);
      text(x.table, 'table', out, true);
      if (x.phase !== 'low' && x.phase !== 'high') out.push('phase: expected low or high');
      break;
    default:
      out.push(`kind: expected change, ddl or watermark, found ${JSON.stringify(x.kind)}`);
  }
  if (out.length > 0) throw new LogRecordError(where, out.slice(0, 5));
  return r as LogRecord;
}
