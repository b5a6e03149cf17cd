import type { Consumer } from './replay.js';
import type { LogEntry } from './types.js';
import { formatEntryJson, formatEntryLine } from './format.js';

/**
 * Consumers that `siphon log replay --consumer NAME` can feed. Built in: `print` and `count`. Apply and projections
 * register theirs with `registerConsumerFactory` when their modules load.
 */
export interface ConsumerContext {
  readonly json: boolean;
  readonly write: (line: string) => void;
}
export interface CliConsumer extends Consumer {
  /** Called once after the replay: summaries (count) print here. */
  finish?(): void;
}
export type ConsumerFactory = (ctx: ConsumerContext) => CliConsumer | Promise<CliConsumer>;

const factories = new Map<string, ConsumerFactory>();

export function registerConsumerFactory(name: string, factory: ConsumerFactory): void {
  factories.set(name, factory);
}

export function consumerNames(): string[] {
  return [...factories.keys()].sort();
}

export function consumerFactory(name: string): ConsumerFactory | undefined {
  return factories.get(name);
}

registerConsumerFactory('print', (ctx) => ({
  name: 'print',
  durable: false,
  handle(batch: readonly LogEntry[]) {
    for (const e of batch) ctx.write(ctx.json ? formatEntryJson(e) : formatEntryLine(e));
  },
}));

registerConsumerFactory('count', (ctx) => {
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
});
