import type { LogEntry } from '../types.js';
import { formatEntryJson, formatEntryLine } from '../format.js';
import type { ConsumerFactory } from './consumer.js';

/** Prints each entry (a line, or JSON with --json). Not durable: it keeps no checkpoint. */
export const printConsumer: ConsumerFactory = (ctx) => ({
  name: 'print',
  durable: false,
  handle(batch: readonly LogEntry[]) {
    for (const e of batch) ctx.write(ctx.json ? formatEntryJson(e) : formatEntryLine(e));
  },
});
