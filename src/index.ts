// The siphon library API (what `import ... from 'siphon'` gives). One export line per area; add yours below.
export { z } from 'zod';
export * from './config/index.js';
export * from './state/index.js';
// The one route model (match, mode, options) the state store, the gateway and the control plane share.
export * from './routes/index.js';
export {
  openLog, replay, consume, ConsumerRegistry, builtinConsumers, changeKeyText, changeKeyValues, changedColumns, previousKey, encodeRecord, decodeRecord,
  CheckpointConflictError as LogCheckpointConflictError, LogRecordError, ReplayRangeError, versionOf, positionKind, PositionFormatError,
  type EventLog, type LogEntry, type LogOffset, type LogRecord, type RowChange, type DdlEvent, type WatermarkEvent, type ChangeOp, type Consumer,
} from './log/index.js';
export * from './values/index.js';
export * from './backends/index.js';
export { SiphonError, assertNever, isRetryable } from './errors.js';
// Names two areas both define: the state store's wins the plain name; the value model's gets a prefix.
export type { JsonValue } from './state/index.js';
export type { JsonValue as CanonicalJsonValue } from './values/index.js';
export * from './capture/index.js';
export * from './apply/index.js';
// The gateway (undici, node:http servers) is its own entry, `siphon/gateway`: configs import this barrel, and they
// must load light and under tsx's CommonJS fallback too.
export * from './backfill/index.js';
export * from './migrate/index.js';
export * from './aspire/index.js';
