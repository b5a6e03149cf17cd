import { describe, expect, it } from 'vitest';
import { DblogMerger, type ChunkSpec, type MergeOutput } from '../../src/backfill/merger.js';
import type { LogRecord } from '../../src/log/change.js';
import type { LogEntry } from '../../src/log/types.js';
import { int } from '../../src/values/index.js';

const AT = '2026-01-01T00:00:00.000Z';
let offset = 0;
const entry = (record: LogRecord): LogEntry => ({ offset: String(++offset), record, appendedAt: AT });
const wm = (id: string, phase: 'low' | 'high', position: string, table: string | null = 't'): LogEntry =>
  entry({ kind: 'watermark', source: 'legacy', table, id, phase, position, at: AT });
const change = (k: number, position: string, opts: { table?: string; before?: number; op?: 'insert' | 'update' | 'delete' } = {}): LogEntry => entry({
  kind: 'change', source: 'legacy', table: opts.table ?? 't', key: { id: int(k) }, op: opts.op ?? 'update',
  before: opts.before === undefined ? null : { id: int(opts.before), v: int(0) }, after: opts.op === 'delete' ? null : { id: int(k), v: int(1) }, position, txid: null, at: AT,
});
const rows = (...ks: number[]) => ks.map((k) => ({ id: int(k), v: int(100 + k) }));
const spec = (id: string): ChunkSpec => ({ id, source: 'legacy', table: 't', key: ['id'], origin: 'backfill' });
const chunkOf = (out: MergeOutput[]) => out.find((o) => o.kind === 'chunk') as Extract<MergeOutput, { kind: 'chunk' }> | undefined;
const keysOf = (o: Extract<MergeOutput, { kind: 'chunk' }>) => o.items.map((i) => (i.change.key['id'] as { v: string }).v);

describe('DblogMerger', () => {
  it('evicts chunk rows changed inside the window, emits the rest as reads at the high watermark, stream order kept', () => {
    const m = new DblogMerger();
    m.expect(spec('c1'));
    const before = m.accept([change(1, '01'), wm('c1', 'low', '02')]);
    m.register('c1', rows(1, 2, 3, 4), { consumer: 'backfill:t', expected: null, next: 'n1' });
    const out = m.accept([change(2, '03'), change(9, '04', { table: 'other' }), change(4, '05', { op: 'delete' }), wm('c1', 'high', '06'), change(3, '07')]);
    expect(before.map((o) => o.kind)).toEqual(['stream']);
    expect(out.map((o) => o.kind)).toEqual(['stream', 'chunk', 'stream']);
    const c = chunkOf(out)!;
    expect(keysOf(c)).toEqual(['1', '3']);
    expect(c.evicted).toBe(2);
    expect(c.items.every((i) => i.change.op === 'read' && i.change.position === '06' && i.origin === 'backfill')).toBe(true);
    expect(c.checkpoint).toEqual({ consumer: 'backfill:t', expected: null, next: 'n1' });
    // the stream slice before the chunk covers the high watermark's entry, the one after starts past it
    expect(out[0]).toMatchObject({ kind: 'stream', items: { length: 3 } });
    expect(m.size).toBe(0);
  });

  it('evicts both keys of a key-changing update', () => {
    const m = new DblogMerger();
    m.expect(spec('c'));
    m.accept([wm('c', 'low', '1')]);
    m.register('c', rows(5, 6, 7));
    const c = chunkOf(m.accept([change(7, '2', { before: 5 }), wm('c', 'high', '3')]))!;
    expect(keysOf(c)).toEqual(['6']);
  });

  it('ignores the watermarks of chunks nobody announced (a crashed run) and of another source', () => {
    const m = new DblogMerger();
    m.expect(spec('mine'));
    const out = m.accept([wm('dead', 'low', '1'), wm('dead', 'high', '2'),
      entry({ kind: 'watermark', source: 'elsewhere', table: 't', id: 'mine', phase: 'low', position: '3', at: AT })]);
    expect(out.map((o) => o.kind)).toEqual(['stream']);
    expect(m.size).toBe(1);
  });

  it('reports a chunk lost when its high watermark comes without its low one, or before its rows', () => {
    const m = new DblogMerger();
    m.expect(spec('a'));
    m.register('a', rows(1));
    expect(m.accept([wm('a', 'high', '1')]).find((o) => o.kind === 'lost')).toMatchObject({ reason: /without its low/ });
    m.expect(spec('b'));
    expect(m.accept([wm('b', 'low', '2'), wm('b', 'high', '3')]).find((o) => o.kind === 'lost')).toMatchObject({ reason: /before the chunk rows/ });
    expect(m.size).toBe(0);
  });

  it('loses a chunk whose table changed shape inside its window', () => {
    const m = new DblogMerger();
    m.expect(spec('a'));
    m.accept([wm('a', 'low', '1')]);
    m.register('a', rows(1));
    const out = m.accept([entry({ kind: 'ddl', source: 'legacy', table: 't', statement: 'ALTER TABLE t ADD c int', columns: null, position: '2', txid: null, at: AT }), wm('a', 'high', '3')]);
    expect(out.filter((o) => o.kind === 'lost')).toHaveLength(1);
    expect(out.filter((o) => o.kind === 'chunk')).toHaveLength(0);
  });

  it('keeps two overlapping windows of one table apart', () => {
    const m = new DblogMerger();
    m.expect(spec('a'));
    m.expect(spec('b'));
    m.accept([wm('a', 'low', '1')]);
    m.register('a', rows(1, 2));
    m.accept([change(1, '2'), wm('b', 'low', '3')]);
    m.register('b', rows(3, 4));
    const out = m.accept([change(2, '4'), change(3, '5'), wm('a', 'high', '6'), change(4, '7'), wm('b', 'high', '8')]);
    const chunks = out.filter((o) => o.kind === 'chunk') as Extract<MergeOutput, { kind: 'chunk' }>[];
    expect(chunks.map(keysOf)).toEqual([[], []]);
    expect(chunks.map((c) => c.evicted)).toEqual([2, 2]);
  });

  it('reports a probe watermark once it is seen', () => {
    const m = new DblogMerger();
    m.expectProbe('p');
    expect(m.accept([wm('p', 'low', '1', null)]).filter((o) => o.kind === 'probe')).toEqual([{ kind: 'probe', id: 'p', position: '1' }]);
    expect(m.accept([wm('p', 'low', '2', null)]).filter((o) => o.kind === 'probe')).toEqual([]);
  });
});
