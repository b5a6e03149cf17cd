export * from './change.js';
export * from './codec.js';
export * from './errors.js';
export * from './types.js';
export { openLog, DEFAULT_LOG_URL, type OpenLogOptions } from './open.js';
export { SqliteLog, type SqliteLogOptions } from './sqlite/sqlite-log.js';
export { checkRecord } from './check.js';
export { PostgresLog } from './postgres/postgres-log.js';
export { NatsLog } from './nats/nats-log.js';
export { replay, ReplayRangeError, type ReplayOptions, type ReplayResult } from './replay.js';
export { formatEntryLine, formatEntryJson } from './format.js';
export {
  consume, ConsumerRegistry, DuplicateConsumerError, builtinConsumers, printConsumer, countConsumer,
  type Consumer, type ConsumerFactory, type ConsumerContext, type CliConsumer,
} from './consumers/index.js';
export { versionOf, positionKind, comparePositionVersions, PositionFormatError, type PositionKind } from './version.js';
