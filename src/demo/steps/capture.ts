import { changedColumns, type RowChange } from '../../log/change.js';
import { openLog } from '../../log/open.js';
import type { LogOffset } from '../../log/types.js';
import { toPlain } from '../../values/plain.js';
import type { EventLog } from '../../log/types.js';
import type { DemoContext, DemoStep, StepOutcome } from '../types.js';

interface Example { table: string; op: string; key: string; position: string; changed: string[] }

/**
 * After the traffic: drain the migration (a fence watermark through capture and apply: everything legacy committed is
 * applied), stop it cleanly (capture appends what it holds), then read the log back and set what it holds against
 * the writes the legacy app committed.
 */
export const capturedStep: DemoStep = {
  id: 'captured',
  title: 'Stop the migration cleanly and show what capture turned the legacy writes into',
  async run(ctx) {
    const m = ctx.migration;
    if (!m) throw new Error('the migration is not running (the migrate step did not run)');
    await m.drain();
    const final = await m.stop();
    ctx.migration = undefined;
    const state = 'stopped';
    const log = await openLog(ctx.logUrl);
    try { return await readBack(ctx, log, final.capturePosition, state); } finally { await log.close(); }
  },
};

async function readBack(ctx: DemoContext, log: EventLog, position: string | null, state: string): Promise<StepOutcome> {
    const byTableOp: Record<string, number> = {};
    const examples = new Map<string, Example>();
    let total = 0, lastPosition: string | null = null, inOrder = true;
    let after: LogOffset | null = null;
    for (;;) {
      const entries = await log.read(after, 1000);
      if (entries.length === 0) break;
      for (const e of entries) {
        if (e.record.kind !== 'change') continue;
        const c: RowChange = e.record;
        total++;
        const k = `${c.table} ${c.op}`;
        byTableOp[k] = (byTableOp[k] ?? 0) + 1;
        // log order = source order: each change's position (trigger change id) is above the previous one's
        if (lastPosition !== null && c.position <= lastPosition) inOrder = false;
        lastPosition = c.position;
        if (!examples.has(k)) {
          examples.set(k, { table: c.table, op: c.op, key: keyText(c), position: c.position, changed: changedColumns(c) });
        }
      }
      after = entries[entries.length - 1]!.offset;
    }
    const written = Object.values(ctx.legacyWrites).reduce((a, b) => a + b, 0);
    const sameByTable = JSON.stringify(sorted(byTableOp)) === JSON.stringify(sorted(ctx.legacyWrites));
    const shown = [...examples.values()].slice(0, 3);
    return {
      summary: `${total} changes captured in log order for ${written} writes the legacy app committed (${sameByTable ? 'same count for every table and op' : 'MISMATCH'}); capture ${state}`,
      details: {
        captured: total, legacyWrites: written, byTableOp: sorted(byTableOp), legacyWritesByTableOp: sorted(ctx.legacyWrites),
        matches: sameByTable && total === written, inOrder, position, state, examples: shown,
      },
      lines: [
        `by table and op: ${Object.entries(sorted(byTableOp)).map(([k, n]) => `${k} ${n}`).join(', ') || '(none)'}`,
        `legacy app writes: ${Object.entries(sorted(ctx.legacyWrites)).map(([k, n]) => `${k} ${n}`).join(', ') || '(none)'}`,
        ...shown.map((x) => `#${x.position.replace(/^0+/, '')} ${x.table} ${x.op} ${x.key}: ${x.op === 'insert' ? `new row (${x.changed.length} columns)` : `changed ${x.changed.join(', ')}`}`),
        `migration stopped cleanly (capture at position ${position ?? '(none)'}); positions strictly increasing: ${inOrder}`,
      ],
    };
}

/** `CLI_ID=1409`, `REG_REF="WB…"`, `FAC_NUM=12,LIG_NO=3`. */
function keyText(c: RowChange): string {
  return Object.entries(c.key).map(([col, v]) => `${col}=${JSON.stringify(toPlain(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`).join(',');
}

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}
