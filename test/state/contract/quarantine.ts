import { expect, it } from 'vitest';
import type { QuarantineInput } from '../../../src/state/types.js';
import { rejection, type ContractContext } from './context.js';

const item = (key: string, reasonCode = 'schema_invalid', sourceTable = 'CLIENT', payload: QuarantineInput['payload'] = { op: 'update', after: { CLI_ID: key } }): QuarantineInput =>
  ({ sourceTable, key, payload, reasonCode, message: `${reasonCode} on ${key}` });

export function quarantineContract(ctx: ContractContext): void {
  it('keeps items whole, dedupes an open table+key+reason by counting attempts, and filters and pages', async () => {
    const s = ctx.store();
    const payload = { op: 'update', before: { a: '1.10' }, after: { a: 'x', deep: [null, { b: true }] }, position: '0/16B3748' };
    const [first] = await s.addQuarantine([item('1', 'schema_invalid', 'CLIENT', payload)]);
    expect(first).toMatchObject({ sourceTable: 'CLIENT', key: '1', payload, reasonCode: 'schema_invalid', attempts: 1, state: 'open' });
    const again = await s.addQuarantine([item('1'), item('1', 'transform_error'), item('2'), item('1')]);
    expect(again.map((q) => [q.id === first!.id, q.attempts])).toEqual([[true, 2], [false, 1], [false, 1], [true, 3]]);
    const got = await s.getQuarantine(first!.id);
    expect(got).toMatchObject({ attempts: 3, payload: item('1').payload, message: 'schema_invalid on 1', state: 'open' });
    expect(got!.lastSeen.getTime()).toBeGreaterThanOrEqual(got!.firstSeen.getTime());
    expect(await s.getQuarantine(999_999)).toBeUndefined();

    await s.addQuarantine(Array.from({ length: 7 }, (_, i) => item(`p${i}`, 'write_failed', 'INVOICE')));
    const all: number[] = [];
    let afterId: number | undefined;
    for (;;) {
      const p = await s.listQuarantine({ sourceTable: 'INVOICE', afterId, limit: 3 });
      all.push(...p.items.map((q) => q.id));
      if (p.next === null) break;
      afterId = p.next;
    }
    expect(all).toHaveLength(7);
    expect([...all].sort((a, b) => a - b)).toEqual(all);
    expect((await s.listQuarantine({ sourceTable: 'CLIENT', reasonCode: 'schema_invalid' })).items.map((q) => q.key)).toEqual(['1', '2']);
    expect((await s.listQuarantine({ key: '1' })).items).toHaveLength(2);
  });

  it('redrives and resolves with an audit entry; a new failure after a redrive opens a new item; counts by table and reason', async () => {
    const s = ctx.store();
    const [open] = (await s.listQuarantine({ sourceTable: 'CLIENT', key: '2', state: 'open' })).items;
    expect(await s.markQuarantine([open!.id, open!.id], 'redriven', { actor: 'ops', reason: 'schema fixed' })).toBe(1);
    expect(await s.markQuarantine([open!.id], 'redriven', { actor: 'ops' })).toBe(0);
    expect((await s.getQuarantine(open!.id))?.state).toBe('redriven');
    const [reopened] = await s.addQuarantine([item('2')]);
    expect(reopened!.id).not.toBe(open!.id);
    expect(reopened!.attempts).toBe(1);
    expect(await s.markQuarantine([open!.id, reopened!.id], 'resolved', { actor: 'ops' })).toBe(2);
    expect(await s.markQuarantine([open!.id], 'redriven', { actor: 'ops' })).toBe(0); // resolved is final
    const [audit] = (await s.listAudit({ action: 'quarantine.redriven' })).items;
    expect(audit).toMatchObject({ actor: 'ops', reason: 'schema fixed', after: { ids: [open!.id], state: 'redriven' } });

    const counts = await s.quarantineCounts();
    const find = (t: string, r: string, st: string) => counts.find((c) => c.sourceTable === t && c.reasonCode === r && c.state === st)?.count;
    expect(find('CLIENT', 'schema_invalid', 'open')).toBe(1);
    expect(find('CLIENT', 'schema_invalid', 'resolved')).toBe(2);
    expect(find('CLIENT', 'transform_error', 'open')).toBe(1);
    expect(find('INVOICE', 'write_failed', 'open')).toBe(7);
    expect((await s.quarantineCounts({ state: 'resolved' }))).toEqual([{ sourceTable: 'CLIENT', reasonCode: 'schema_invalid', state: 'resolved', count: 2 }]);
  });

  it('marks a large batch with one audit entry whose subject stays short and whose after lists every id', async () => {
    const s = ctx.store();
    const added = await s.addQuarantine(Array.from({ length: 100 }, (_, i) => item(`b${i}`, 'write_failed', 'BULK')));
    expect(await s.markQuarantine(added.map((q) => q.id).reverse(), 'resolved', { actor: 'ops', reason: 'bulk fix' })).toBe(100);
    const [entry] = (await s.listAudit({ action: 'quarantine.resolved', limit: 1 })).items;
    expect(entry!.subject).toMatch(/\(100 items\)$/);
    expect((entry!.after as { ids: number[] }).ids).toEqual(added.map((q) => q.id).sort((a, b) => a - b));
  });

  it('refuses bad quarantine input with the field path', async () => {
    const s = ctx.store();
    expect((await rejection(s.addQuarantine([item('ok'), { ...item('x'), reasonCode: '' }]))).message).toContain('addQuarantine: items[1].reasonCode');
    expect((await s.listQuarantine({ key: 'ok' })).items).toHaveLength(0);
    expect((await rejection(s.markQuarantine([1], 'open' as never, { actor: 'a' }))).message).toContain('markQuarantine: state');
    expect((await rejection(s.addQuarantine([item('k'.repeat(501))]))).message).toContain('addQuarantine: items[0].key: expected a non-empty string of at most 500');
    expect((await rejection(s.listQuarantine({ state: 'closed' as never }))).message).toContain('listQuarantine: state');
  });
}
