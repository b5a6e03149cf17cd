import { describe, expect, it } from 'vitest';
import type { BackfillStatus } from '../../src/backfill/types.js';
import { parseKeyRange } from '../../src/migrate/reapply-request.js';
import { jsonProgress, pauseText, progressLines, ttyProgress } from '../../src/migrate/progress-view.js';
import { renderStatus } from '../../src/migrate/render-status.js';
import type { MigrateProgress } from '../../src/migrate/run.js';
import { checkLine, type MigrationStatus } from '../../src/migrate/status.js';

const table = (name: string, state: 'pending' | 'copying' | 'done', copied: number, estimate: number, rate: number, eta: number | null) => ({
  table: name, state, rowsCopied: copied, rowsEstimate: estimate, chunksDone: 1, chunksRetried: 0, rowsEvicted: 0, rowsPerSecond: rate, etaSeconds: eta, error: null,
});
const backfill: BackfillStatus = {
  state: 'paused', pauseReason: { kind: 'operator', reason: 'month-end', since: '2026-01-01T00:00:00Z' },
  tables: [table('CLIENT', 'done', 500, 500, 0, 0), table('FACTURE', 'copying', 2500, 10000, 1000, 7.5), table('REGLEMENT', 'pending', 0, 4000, 0, null)],
  rowsCopied: 3000, rowsEstimate: 14500, rowsPerSecond: 1000, etaSeconds: 11.5, error: null,
};
const progress: MigrateProgress = { at: Date.parse('2026-01-01T00:00:00Z'), backfill, applyCheckpoint: '42', capturePosition: '00000000000000000042', applyLagSeconds: 0.25, changesApplied: 12, chunkRowsApplied: 3000 };

describe('progress views', () => {
  it('one line per table with rows, rate and ETA, then why backfill waits and where apply is', () => {
    const lines = progressLines(progress);
    expect(lines[0]).toMatch(/^CLIENT +\[#{20}\] 500\/500 rows .* done$/);
    expect(lines[1]).toMatch(/^FACTURE +\[#{5}-{15}\] 2,500\/10,000 rows {2}1,000 rows\/s {2}ETA 8s$/);
    expect(lines[2]).toMatch(/REGLEMENT .* pending$/);
    expect(lines[3]).toBe('backfill waits: paused by the operator (month-end)');
    expect(lines[4]).toMatch(/apply: 12 changes \+ 3,000 chunk rows, lag 0.3 s, log offset 42/);
  });
  it('every pause reason has words', () => {
    expect(pauseText({ kind: 'capture-lag', lagSeconds: 42.5, boundSeconds: 30 })).toBe('apply lag 42.5 s > 30 s');
    expect(pauseText({ kind: 'heartbeat-latency', latencyMs: 800, boundMs: 500 })).toMatch(/800 ms > 500 ms/);
    expect(pauseText({ kind: 'rate-cap', rowsPerSecond: 100 })).toMatch(/100 rows\/s/);
    expect(pauseText({ kind: 'waiting-for-capture' })).toMatch(/probe watermark/);
  });
  it('a terminal frame is redrawn in place; JSON lines are one object each', () => {
    let written = '';
    const view = ttyProgress({ write: (s: string) => { written += s; return true; } } as unknown as NodeJS.WriteStream);
    view.update(progress);
    view.update(progress);
    expect(written.split('\u001b[5A').length).toBe(2); // the second frame moves up over the first
    const lines: string[] = [];
    const json = jsonProgress((l) => lines.push(l));
    json.update(progress);
    json.done(progress, 'signal');
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['progress', 'stopped']);
    expect(JSON.parse(lines[1]!)).toMatchObject({ stoppedBy: 'signal', applyCheckpoint: '42', at: '2026-01-01T00:00:00.000Z' });
  });
});

describe('status', () => {
  it('the check line', () => {
    expect(checkLine('FACTURE', 10, 7, 3)).toEqual({ ok: true, line: 'FACTURE: legacy 10 = migrated 7 + quarantined 3' });
    expect(checkLine('FACTURE', 10, 7, 2)).toEqual({ ok: false, line: 'FACTURE: legacy 10 ≠ migrated 7 + quarantined 2' });
  });
  it('text: a table per legacy table, reasons, lags, checks or why they wait', () => {
    const s: MigrationStatus = {
      config: 'billing', at: '2026-01-01T00:00:00.000Z', backfillDone: false, ok: false,
      tables: [
        { table: 'CLIENT', legacyRows: 10, nextRows: { customers: 9 }, migrated: 9, quarantinedByReason: { schema: 1 }, quarantined: 1, backfill: { state: 'done', rowsCopied: 10, pauseReason: null }, check: checkLine('CLIENT', 10, 9, 1), errors: [] },
        { table: 'FACTURE', legacyRows: 100, nextRows: { invoices: null }, migrated: null, quarantinedByReason: {}, quarantined: 0, backfill: null, check: null, errors: ['next invoices: no such table'] },
      ],
      capture: { source: 'legacy', method: 'trigger', position: '7', lagPositions: 0, lagError: null, logEntries: 7 },
      apply: { consumer: 'apply', checkpoint: '7', logLastOffset: '7', caughtUp: true, lagSeconds: 0 },
    };
    const text = renderStatus(s).join('\n');
    expect(text).toMatch(/CLIENT +10 +9 +1 +customers 9 +done, 10 rows read/);
    expect(text).toMatch(/CLIENT +schema +1/);
    expect(text).toMatch(/legacy ahead by 0 pending change rows/);
    expect(text).toMatch(/✔ CLIENT: legacy 10 = migrated 9 \+ quarantined 1/);
    expect(text).toMatch(/… FACTURE: the check legacy = migrated \+ quarantined waits for its backfill \(not started\)/);
    expect(text).toMatch(/! next invoices: no such table/);
  });
});

describe('reapply --keys', () => {
  it('AFTER..UNTIL, open ends, composite keys; a wrong arity or shape is refused with the columns named', () => {
    expect(parseKeyRange('100..200', ['ID'])).toEqual({ from: ['100'], to: ['200'] });
    expect(parseKeyRange('..200', ['ID'])).toEqual({ from: null, to: ['200'] });
    expect(parseKeyRange('100..', ['ID'])).toEqual({ from: ['100'], to: null });
    expect(parseKeyRange('12,3..12,9', ['FAC_NUM', 'LIG_NO'])).toEqual({ from: ['12', '3'], to: ['12', '9'] });
    expect(() => parseKeyRange('150', ['ID'])).toThrow(/expected AFTER\.\.UNTIL/);
    expect(() => parseKeyRange('1..2', ['FAC_NUM', 'LIG_NO'])).toThrow(/needs 2 value\(s\) \(FAC_NUM, LIG_NO\)/);
  });
});
