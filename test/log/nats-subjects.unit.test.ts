import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeKeyText, type LogRecord } from '../../src/log/change.js';
import { recordMsgId, subjectToken } from '../../src/log/nats/subjects.js';

// The NATS de-duplication id must never change for a record: a capture restarted across an upgrade republishes what
// it may have published before, and JetStream only drops the copy if the id is the same. The oracle is the former
// incremental-hash implementation; the subject token's whole-name fast path must agree with the per-character rule.
function formerMsgId(r: LogRecord): string {
  const h = createHash('sha1');
  h.update(r.kind).update('\u0000').update(r.source).update('\u0000').update(r.position).update('\u0000').update(r.table ?? '');
  if (r.kind === 'change') h.update('\u0000').update(r.op).update('\u0000').update(changeKeyText(r));
  if (r.kind === 'watermark') h.update('\u0000').update(r.id).update(r.phase);
  return h.digest('base64url');
}

function perCharToken(s: string): string {
  if (s === '') return '~';
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9_-]/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '~' + b.toString(16).padStart(2, '0');
  }
  return out;
}

const text = fc.string({ unit: 'binary', maxLength: 12 });
const record: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({ source: text, table: text, position: text, op: fc.constantFrom('insert', 'update', 'delete', 'read' as const), id: text })
    .map(({ source, table, position, op, id }): LogRecord => ({
      kind: 'change', source, table, key: { id, n: { t: 'int', v: '7' } }, op, before: null, after: null, position, txid: null, at: '2026-01-01T00:00:00Z',
    })),
  fc.record({ source: text, table: fc.option(text), position: text, id: text, phase: fc.constantFrom('low', 'high' as const) })
    .map(({ source, table, position, id, phase }): LogRecord => ({ kind: 'watermark', source, table, id, phase, position, at: '2026-01-01T00:00:00Z' })),
  fc.record({ source: text, table: text, position: text })
    .map(({ source, table, position }): LogRecord => ({ kind: 'ddl', source, table, statement: 'ALTER', columns: null, position, txid: null, at: '2026-01-01T00:00:00Z' })),
);

describe('NATS subjects and message ids', () => {
  it('message ids are the same as the former implementation gave, for any record', () => {
    fc.assert(fc.property(record, (r) => { expect(recordMsgId(r)).toBe(formerMsgId(r)); }), { numRuns: 500 });
  });

  it('subject tokens agree with the per-character rule, plain names included', () => {
    fc.assert(fc.property(fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/)), (s) => { expect(subjectToken(s)).toBe(perCharToken(s)); }), { numRuns: 500 });
  });
});
