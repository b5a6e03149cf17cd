import { SiphonError } from '../errors.js';

/** Base of capture errors: each names the source and what to do about it. */
export class CaptureError extends SiphonError {}

/** Bad capture configuration (unknown method, missing option...). Exit code 2 in the CLI. */
export class CaptureConfigError extends CaptureError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('CONFIG_CAPTURE', message, context);
  }
}

/** Tables that have neither a primary key nor a NOT NULL unique key cannot be captured: changes could not be keyed. */
export class TablesWithoutKeyError extends CaptureError {
  constructor(readonly tables: readonly string[]) {
    super('CAPTURE_NO_KEY',
      `cannot capture table(s) without a primary key or a NOT NULL unique key: ${tables.join(', ')}. ` +
      'Add a primary key (or a unique key on NOT NULL columns) to each, or leave them out of the captured tables',
      { tables });
  }
}

/** Columns whose type Siphon does not know how to represent canonically. */
export class UnknownColumnTypesError extends CaptureError {
  constructor(readonly columns: readonly { table: string; column: string; nativeType: string }[]) {
    super('CAPTURE_UNKNOWN_TYPES',
      `unknown column type(s): ${columns.map((c) => `${c.table}.${c.column} (${c.nativeType})`).join(', ')}. ` +
      'Their values are captured as text; map them explicitly or exclude the tables',
      { columns });
  }
}

/** A captured table changed shape and the source is configured to stop (onSchemaChange: 'stop'). */
export class SchemaChangedError extends CaptureError {
  constructor(readonly source: string, readonly table: string, readonly detail: string, readonly position: string) {
    super('CAPTURE_SCHEMA_CHANGED',
      `capture "${source}" stopped: table ${table} changed shape at position ${position} (${detail}). ` +
      'The DDL record is in the log. Update the table mapping, then restart capture (or run with onSchemaChange: follow)',
      { source, table, detail, position });
  }
}

/** The binary log holding the stored position no longer exists on the server. */
export class BinlogPurgedError extends CaptureError {
  constructor(readonly source: string, readonly file: string, readonly available: readonly string[]) {
    super('CAPTURE_BINLOG_PURGED',
      `capture "${source}" cannot resume: binary log ${file} was purged from the server ` +
      `(available: ${available.join(', ') || 'none'}). Changes made since then are lost to capture. Recover by ` +
      're-snapshotting: restart capture at the current end of the binary log (siphon capture start --reset), then ' +
      'backfill every captured table from scratch so the next database is rebuilt from the current legacy rows; and raise ' +
      'binlog_expire_logs_seconds so the binary log outlives capture outages',
      { source, file, available });
  }
}

/** The server refused something capture needs (privilege, setting), with the fix. */
export class CaptureSetupError extends CaptureError {
  constructor(readonly source: string, message: string, context: Record<string, unknown> = {}) {
    super('CAPTURE_SETUP', `capture "${source}": ${message}`, { source, ...context });
  }
}

/** A stored capture position could not be understood (written by another method or corrupted). */
export class CapturePositionError extends CaptureError {
  constructor(readonly source: string, readonly position: string, readonly expected: string) {
    super('CAPTURE_BAD_POSITION',
      `capture "${source}": stored position "${position}" is not a ${expected} position; it was written by another ` +
      'capture method or is corrupt. Use another source name, or reset the position (--reset) and re-backfill',
      { source, position, expected });
  }
}

/** The capture method to use is not ready on legacy: what stands in the way, and which methods are ready instead. */
export class CaptureNotReadyError extends CaptureError {
  constructor(
    readonly method: string, readonly isDefault: boolean, readonly problems: readonly string[], readonly readyMethods: readonly string[],
    /** The other methods' problems, said when none is ready. */
    readonly otherProblems: readonly string[] = [],
  ) {
    super('CAPTURE_NOT_READY',
      `${method} capture${isDefault ? ' (the default method)' : ''} is not ready on legacy: ${problems.join('; ')}. ` +
      (readyMethods.length > 0 ? `Ready instead: ${readyMethods.join(', ')} (choose it with --method ${readyMethods[0]})`
        : `No capture method is ready${otherProblems.length > 0 ? `: ${otherProblems.join('; ')}` : ''}`),
      { method, problems, readyMethods });
  }
}
