import { cursorConsumer, decodeCursor } from '../backfill/cursor.js';
import { readBackfillPause } from '../backfill/pause.js';
import type { StateStore } from '../state/types.js';
import type { StatusProbes } from './status.js';
import type { ApplyReader } from './wiring.js';

/**
 * The figures apply and backfill keep in next (apply's checkpoint, each table's chunk cursor) and in the state store
 * (the operator pause), read through a reader that creates nothing. `migrated` comes from apply's row versions.
 */
export function readProbes(reader: ApplyReader, store: StateStore): StatusProbes {
  return {
    applyCheckpoint: (consumer) => reader.checkpoint(consumer),
    migratedRows: (table) => reader.migratedRows(table),
    async backfillProgress(table) {
      const consumer = cursorConsumer(table);
      const text = await reader.checkpoint(consumer);
      if (text === null) return null;
      const c = decodeCursor(consumer, text);
      const pause = await readBackfillPause(store);
      return { state: c.done ? 'done' : 'copying', rowsCopied: c.rows, pauseReason: pause.paused && !c.done ? `operator pause${pause.reason ? `: ${pause.reason}` : ''}` : null };
    },
  };
}
