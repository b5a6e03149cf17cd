import type { LogRecord } from '../log/change.js';
import type { EventLog } from '../log/types.js';
import type { CaptureSink } from './types.js';

/**
 * The sink that writes to the event log: one append per batch, with the checkpoint stored in the same transaction
 * (SQLite, PostgreSQL) or with the acknowledged publish (NATS). See EventLog.append. Pipelined when the log
 * guarantees ordered, fail-stop appends (PostgreSQL).
 */
export function logSink(log: EventLog, source: string): CaptureSink {
  return {
    pipelined: log.capabilities.pipelinedAppends,
    lastCheckpoint: () => log.lastSourcePosition(source),
    write: async (records: readonly LogRecord[], checkpoint: string) => {
      await log.append(records, { sourcePosition: { source, position: checkpoint } });
    },
  };
}
