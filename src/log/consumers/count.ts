import type { LogEntry } from '../types.js';
import type { ConsumerFactory } from './consumer.js';

/** Counts entries per table and operation, printed once at the end. Not durable: it keeps no checkpoint. */
export const countConsumer: ConsumerFactory = (ctx) => {
  const counts = new Map<string, { table: string; op: string; n: number }>();
  return {
    name: 'count',
    durable: false,
    handle(batch: readonly LogEntry[]) {
      for (const { record: r } of batch) {
        const op = r.kind === 'change' ? r.op : r.kind;
        const table = r.table ?? '-';
        const k = `${table}\u0000${op}`;
        const c = counts.get(k);
        if (c) c.n++; else counts.set(k, { table, op, n: 1 });
      }
    },
    finish() {
      const rows = [...counts.values()].sort((a, b) => (a.table === b.table ? a.op.localeCompare(b.op) : a.table.localeCompare(b.table)));
      if (ctx.json) { ctx.write(JSON.stringify({ counts: rows, total: rows.reduce((s, r) => s + r.n, 0) })); return; }
      for (const r of rows) ctx.write(`${r.table}  ${r.op}  ${r.n}`);
      ctx.write(`total  ${rows.reduce((s, r) => s + r.n, 0)}`);
    },
  };
};
