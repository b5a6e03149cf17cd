import { changedColumns, changeKeyText } from './change.js';
import { encodeRecord } from './codec.js';
import type { LogEntry } from './types.js';
import { assertNever } from '../errors.js';

/** One human line per entry: `offset  table  op  key  changed-columns  @source-position`. */
export function formatEntryLine(e: LogEntry): string {
  const r = e.record;
  switch (r.kind) {
    case 'change':
      return [e.offset, r.table, r.op, changeKeyText(r), changedColumns(r).join(',') || '-', `@${r.position}`].join('  ');
    case 'ddl':
      return [e.offset, r.table, 'ddl', r.statement ?? (r.columns ?? []).map((c) => `${c.name} ${c.type}`).join(', '), `@${r.position}`].join('  ');
    case 'watermark':
      return [e.offset, r.table ?? '-', `watermark-${r.phase}`, r.id, `@${r.position}`].join('  ');
    default:
      return assertNever(r, 'log record kind');
  }
}

/** One JSON line per entry, lossless (non-finite floats as in the codec). */
export function formatEntryJson(e: LogEntry): string {
  return `{"offset":${JSON.stringify(e.offset)},"appendedAt":${JSON.stringify(e.appendedAt)},"record":${encodeRecord(e.record)}}`;
}
