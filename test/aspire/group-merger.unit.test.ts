import { describe, expect, it } from 'vitest';
import { DblogMerger, type MergeOutput } from '../../src/backfill/merger.js';
import type { LogRecord } from '../../src/log/change.js';
import type { LogEntry } from '../../src/log/types.js';
import { int } from '../../src/values/index.js';

/** Group chunks (aspire): several tables under one pair of watermarks, one output, windows per table. */
const AT = '2026-01-01T00:00:00.000Z';
let offset = 0;
const entry = (record: LogRecord): LogEntry => ({ offset: String(++offset), record, appendedAt: AT });
const wm = (id: string, phase: 'low' | 'high', position: string): LogEntry => entry({ kind: 'watermark', source: 'legacy', table: 'aspire', id, phase, position, at: AT });
const change = (table: string, k: number, position: string): LogEntry => entry({
  kind: 'change', source: 'legacy', table, key: { id: int(k) }, op: 'update', before: null, after: { id: int(k), pid: int(1) }, position, txid: null, at: AT,
});
const ddl = (table: string): LogEntry => entry({ kind: 'ddl', source: 'legacy', table, statement: 'ALTER', position: '09', at: AT } as unknown as LogRecord);
const group = (id: string) => ({ id, source: 'legacy', origin: 'aspire' as const, parts: [{ table: 'P', key: ['id'] }, { table: 'C', key: ['id'] }] });
const rows = (...ks: number[]) => ks.map((k) => ({ id: int(k), pid: int(1) }));
const chunkOf = (out: MergeOutput[]) => out.find((o) => o.kind === 'chunk') as Extract<MergeOutput, { kind: 'chunk' }> | undefined;

describe('DblogMerger group chunks', () => {
  it('evicts per table, emits every table\'s survivors in one chunk at the high watermark, names the evicted keys', () => {
    const m = new DblogMerger();
    m.expectGroup(group('g1'));
    m.accept([wm('g1', 'low', '01')]);
    m.registerGroup('g1', new Map([['P', rows(1)], ['C', rows(1, 2, 3)]]));
    // C.2 changes inside the window; P.2 (another table, same key) must not evict C.2's neighbour P.1
    const out = m.accept([change('C', 2, '02'), change('P', 2, '03'), wm('g1', 'high', '04'), change('C', 3, '05')]);
    expect(out.map((o) => o.kind)).toEqual(['stream', 'chunk', 'stream']);
    const c = chunkOf(out)!;
    expect(c.chunk.id).toBe('g1');
    expect(c.items.map((i) => `${i.change.table}.${(i.change.key['id'] as { v: string }).v}`)).toEqual(['P.1', 'C.1', 'C.3']);
    expect(c.items.every((i) => i.change.op === 'read' && i.change.position === '04' && i.origin === 'aspire')).toBe(true);
    expect(c.evictedKeys).toEqual([{ table: 'C', key: 'int:2' }]);
    expect(c.checkpoint).toBeNull();
    expect(m.size).toBe(0);
  });

  it('a group is lost whole: high without low, rows not registered, a shape change in any of its tables; abandon forgets it', () => {
    const m = new DblogMerger();
    m.expectGroup(group('a'));
    expect(m.accept([wm('a', 'high', '01')]).filter((o) => o.kind !== 'stream')).toMatchObject([{ kind: 'lost', chunk: { id: 'a' }, reason: /without its low watermark/ }]);
    m.expectGroup(group('b'));
    const b = m.accept([wm('b', 'low', '02'), wm('b', 'high', '03')]);
    expect(b.find((o) => o.kind === 'lost')).toMatchObject({ chunk: { id: 'b' }, reason: /before the chunk rows were registered/ });
    m.expectGroup(group('c'));
    m.accept([wm('c', 'low', '04')]);
    m.registerGroup('c', new Map([['P', rows(1)]]));
    const c = m.accept([ddl('C'), wm('c', 'high', '05')]);
    expect(c.filter((o) => o.kind === 'lost')).toHaveLength(1);
    expect(c.some((o) => o.kind === 'chunk')).toBe(false);
    m.expectGroup(group('d'));
    m.accept([wm('d', 'low', '06')]);
    m.abandon('d');
    expect(m.accept([change('C', 1, '07'), wm('d', 'high', '08')]).map((o) => o.kind)).toEqual(['stream']);
    expect(m.size).toBe(0);
  });

  it('overlaps with a table chunk of the same table: each window evicts on its own', () => {
    const m = new DblogMerger();
    m.expect({ id: 'bf', source: 'legacy', table: 'C', key: ['id'], origin: 'backfill' });
    m.expectGroup(group('g'));
    m.accept([entry({ kind: 'watermark', source: 'legacy', table: 'C', id: 'bf', phase: 'low', position: '01', at: AT }), wm('g', 'low', '02')]);
    m.register('bf', rows(1, 2), null);
    m.registerGroup('g', new Map([['P', rows(1)], ['C', rows(2)]]));
    const out = m.accept([change('C', 2, '03'), wm('g', 'high', '04'), entry({ kind: 'watermark', source: 'legacy', table: 'C', id: 'bf', phase: 'high', position: '05', at: AT })]);
    const chunks = out.filter((o) => o.kind === 'chunk') as Extract<MergeOutput, { kind: 'chunk' }>[];
    expect(chunks.map((c) => [c.chunk.id, c.items.map((i) => `${i.change.table}.${(i.change.key['id'] as { v: string }).v}`)])).toEqual([['g', ['P.1']], ['bf', ['C.1']]]);
  });
});
