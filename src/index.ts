// The siphon library API (what `import ... from 'siphon'` gives). One export line per area; add yours below.
export { z } from 'zod';
export * from './config/index.js';
export * from './state/index.js';
export {
  openLog, replay, consume, registerConsumerFactory, changeKeyText, changeKeyValues, changedColumns, encodeRecord, decodeRecord,
  CheckpointConflictError as LogCheckpointConflictError, LogRecordError, ReplayRangeError,
  type EventLog, type LogEntry, type LogOffset, type LogRecord, type RowChange, type DdlEvent, type WatermarkEvent, type ChangeOp, type Consumer,
} from './log/index.js';
