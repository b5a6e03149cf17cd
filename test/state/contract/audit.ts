import { expect, it } from 'vitest';
import type { AuditInput } from '../../../src/state/types.js';
import { rejection, type ContractContext } from './context.js';

export function auditContract(ctx: ContractContext): void {
  it('appends, lists newest first with filters, and pages with beforeId', async () => {
    const s = ctx.store();
    const t0 = new Date(Date.now() - 1000);
    const made = [];
    for (let i = 0; i < 12; i++) {
      made.push(await s.appendAudit({
        actor: i % 2 ? 'ops' : 'robot', action: i % 3 ? 'canary.step' : 'canary.rollback', subject: `route-${i % 4}`,
        before: { percent: i }, after: i === 5 ? null : { percent: i + 1, nested: [1, 'two', { three: true }] }, reason: i === 0 ? undefined : `step ${i}`,
      }));
    }
    expect(made[0]).toMatchObject({ actor: 'robot', action: 'canary.rollback', subject: 'route-0', before: { percent: 0 }, reason: null });
    expect(made[0]!.at).toBeInstanceOf(Date);
    expect(made[5]!.after).toBeNull();
    const ids = made.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    const paged: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const p = await s.listAudit({ action: 'canary.*', beforeId, limit: 5 });
      paged.push(...p.items.map((e) => e.id));
      if (p.next === null) break;
      beforeId = p.next;
    }
    expect(paged).toEqual([...ids].reverse());
    expect((await s.listAudit({ actor: 'ops', action: 'canary.' })).items.map((e) => e.id)).toEqual(made.filter((e) => e.actor === 'ops').map((e) => e.id).reverse());
    expect((await s.listAudit({ action: 'canary.rollback' })).items).toHaveLength(4);
    expect((await s.listAudit({ subject: 'route-1', actor: 'ops' })).items).toHaveLength(3);
    expect((await s.listAudit({ action: 'canary.*', since: t0 })).items).toHaveLength(12);
    expect((await s.listAudit({ action: 'canary.*', until: t0 })).items).toHaveLength(0);
    expect((await s.listAudit({ action: 'canary.*', since: new Date(Date.now() + 60_000) })).items).toHaveLength(0);
  });

  it('refuses an entry without actor or with a non-JSON value', async () => {
    const s = ctx.store();
    expect((await rejection(s.appendAudit({ actor: '', action: 'x', subject: 'y' }))).message).toContain('appendAudit: entry.actor');
    expect((await rejection(s.appendAudit({ actor: 'a', action: 'x', subject: 'y', after: { n: Number.NaN } }))).message).toContain('audit.after');
    expect((await rejection(s.listAudit({ limit: 5000 }))).message).toContain('listAudit: limit');
  });

  it('appends several entries in one call, in the order given, as one by one would; a bad one writes none of them', async () => {
    const s = ctx.store();
    expect(await s.appendAudits([])).toEqual([]);
    const entries: AuditInput[] = [
      { actor: 'gateway', action: 'entity.aspire', subject: 'customer:1', after: { rows: 20, version: 'v1' }, reason: 'migrated by aspire (gateway)' },
      { actor: 'cli', action: 'entity.aspire', subject: 'customer:2', before: null, after: { rows: 3, nested: [1, { two: true }] } },
      { actor: 'api', action: 'entity.aspire', subject: 'customer:3' },
    ];
    const made = await s.appendAudits(entries);
    expect(made.map((e) => [e.actor, e.subject, e.before, e.after, e.reason])).toEqual([
      ['gateway', 'customer:1', null, { rows: 20, version: 'v1' }, 'migrated by aspire (gateway)'],
      ['cli', 'customer:2', null, { rows: 3, nested: [1, { two: true }] }, null],
      ['api', 'customer:3', null, null, null],
    ]);
    expect(made[0]!.at).toBeInstanceOf(Date);
    const ids = made.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect((await s.listAudit({ action: 'entity.aspire' })).items.map((e) => e.id)).toEqual([...ids].reverse());

    const bad = await rejection(s.appendAudits([{ actor: 'ok', action: 'entity.aspire', subject: 'customer:4' }, { actor: '', action: 'entity.aspire', subject: 'customer:5' }]));
    expect(bad.message).toContain('appendAudits: entries[1].actor');
    expect((await s.listAudit({ subject: 'customer:4' })).items).toHaveLength(0);
  });
}
