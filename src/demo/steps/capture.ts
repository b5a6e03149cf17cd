import { LEGACY_TABLES } from '../../../examples/billing/legacy/schema.js';
import { logSink } from '../../capture/sink.js';
import { installTriggers } from '../../capture/trigger/install.js';
import { TriggerCapture } from '../../capture/trigger/source.js';
import { changedColumns, type RowChange } from '../../log/change.js';
import { openLog } from '../../log/open.js';
import type { LogOffset } from '../../log/types.js';
import { toPlain } from '../../values/plain.js';
import type { DemoContext, DemoStep } from '../types.js';

const SOURCE = 'legacy';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Trigger capture on the legacy SQLite database (the change table and triggers of src/capture/trigger) into the
 * demo's SQLite event log, started before any app writes so that every legacy write from now on becomes an event.
 */
export const captureStep: DemoStep = {
  id: 'capture',
  title: 'Install trigger capture on legacy and start it into the event log',
  async run(ctx) {
    const db = ctx.legacyDb;
    if (!db) throw new Error('the legacy database is not open (generate-legacy did not run)');
    const tables = LEGACY_TABLES.map((t) => t.name);
    await installTriggers(db, tables);
    const log = await openLog(ctx.logUrl);
    const capture = new TriggerCapture(db, { source: SOURCE, tables });
    ctx.eventLog = log;
    ctx.onClose(() => log.close());
    await capture.start(logSink(log, SOURCE));
    ctx.capture = capture;
    // stopped by the captured step; this is for a demo that fails or ends before it (stop() twice is harmless)
    ctx.onClose(() => stopCapture(ctx));
    return {
      summary: `triggers on ${tables.join(', ')}; capture "${SOURCE}" running into ${ctx.logUrl}`,
      details: { source: SOURCE, method: capture.method, tables, log: ctx.logUrl },
    };
  },
};

async function stopCapture(ctx: DemoContext): Promise<void> {
  const capture = ctx.capture;
  if (!capture) return;
  ctx.capture = undefined;
  await capture.stop();
  await capture.finished;
}

interface Example { table: string; op: string; key: string; position: string; changed: string[] }

/**
 * After the traffic: wait until the drainer has read every pending change row, stop capture (it appends what it
 * holds), then read the log back and set what it holds against the writes the legacy app committed.
 */
export const capturedStep: DemoStep = {
  id: 'captured',
  title: 'Show what capture turned the legacy writes into',
  async run(ctx) {
    const capture = ctx.capture;
    const log = ctx.eventLog;
    if (!capture || !log) throw new Error('capture is not running (the capture step did not run)');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const s = await capture.status();
      if (s.state !== 'running') throw new Error(`capture is ${s.state}${s.error ? `: ${s.error}` : ''}`);
      if (s.lagPositions === 0) break;
      if (Date.now() > deadline) throw new Error(`capture still has ${s.lagPositions} change rows pending after 15 s`);
      await sleep(20);
    }
    const final = await capture.status();
    await stopCapture(ctx);
    const state = (await capture.status()).state;

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
        matches: sameByTable && total === written, inOrder, position: final.position, state, examples: shown,
      },
      lines: [
        `by table and op: ${Object.entries(sorted(byTableOp)).map(([k, n]) => `${k} ${n}`).join(', ') || '(none)'}`,
        `legacy app writes: ${Object.entries(sorted(ctx.legacyWrites)).map(([k, n]) => `${k} ${n}`).join(', ') || '(none)'}`,
        ...shown.map((x) => `#${x.position.replace(/^0+/, '')} ${x.table} ${x.op} ${x.key}: ${x.op === 'insert' ? `new row (${x.changed.length} columns)` : `changed ${x.changed.join(', ')}`}`),
        `capture stopped cleanly at position ${final.position ?? '(none)'} (state ${state}); positions strictly increasing: ${inOrder}`,
      ],
    };
  },
};

/** `CLI_ID=1409`, `REG_REF="WB…"`, `FAC_NUM=12,LIG_NO=3`. */
function keyText(c: RowChange): string {
  return Object.entries(c.key).map(([col, v]) => `${col}=${JSON.stringify(toPlain(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`).join(',');
}

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}
