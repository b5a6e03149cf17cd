/**
 * The one rule that turns a source position into a **version**: a text whose byte order (UTF-8, SQLite BINARY,
 * PostgreSQL `COLLATE "C"`) is the order of the positions of one source. Capture (binlog resume), the log's
 * consumers, apply's compare-and-set and the state store's ledger all compare positions through it.
 *
 * Positions, as each capture method writes them (src/capture):
 *   trigger changelog id   `00000000000000000042`           → `000000000000002a` (16 hex digits)
 *   binary log             `mysql-bin.000042:000000001200:000003` (FILE:OFFSET:ROW; file suffix may pass 999999)
 *                          → `<file seq 16 hex>:<offset 16 hex>:<row 16 hex>`
 *   pgoutput               `00000000016B3748:000001` (commit LSN 16 hex : rank in the transaction)
 *                          → `<lsn 16 hex>:<rank 16 hex>`
 * Every field is fixed-width, so text order is numeric order even where the position's own text order is not (a
 * binlog file `mysql-bin.1000000` after `mysql-bin.999999`, a rank past 999999). Versions of different sources are
 * not comparable with each other (they have different shapes), and nothing compares them.
 */
import { SiphonError } from '../errors.js';
import { compareVersions, sortableCounter } from '../state/version-order.js';

export { compareVersions };

export type PositionKind = 'trigger' | 'binlog' | 'pgoutput';

/** A position that follows none of the capture methods' forms. */
export class PositionFormatError extends SiphonError {
  constructor(position: string) {
    super('LOG_POSITION_FORMAT',
      `position "${position.length > 80 ? `${position.slice(0, 80)}…` : position}" is not a source position: expected a trigger changelog id (digits), a binlog FILE:OFFSET:ROW or a pgoutput LSN16HEX:SEQ`,
      { position });
  }
}

const TRIGGER = /^\d{1,20}$/;
const BINLOG = /^(.*?)(\d+):(\d{1,20}):(\d{1,20})$/;
const PGOUTPUT = /^([0-9A-Fa-f]{16}):(\d{1,20})$/;

/** Which capture method wrote this position, or null when none did. */
export function positionKind(position: string): PositionKind | null {
  if (TRIGGER.test(position)) return 'trigger';
  if (PGOUTPUT.test(position)) return 'pgoutput';
  if (BINLOG.test(position)) return 'binlog';
  return null;
}

function counter(text: string, position: string): string {
  const n = BigInt(text);
  if (n > 0xffffffffffffffffn) throw new PositionFormatError(position);
  return sortableCounter(n);
}

/** The last position converted: a chunk's rows all carry their HIGH mark's position (one conversion, not one per row). */
let lastPosition: string | null = null;
let lastVersion = '';

/** The version of a source position (see the file comment). Throws PositionFormatError for any other text. */
export function versionOf(position: string): string {
  if (position === lastPosition) return lastVersion;
  const v = convert(position);
  lastPosition = position;
  lastVersion = v;
  return v;
}

function convert(position: string): string {
  if (TRIGGER.test(position)) return counter(position, position);
  let m = PGOUTPUT.exec(position);
  if (m) return `${m[1]!.toLowerCase()}:${counter(m[2]!, position)}`;
  m = BINLOG.exec(position);
  if (m) return `${counter(m[2]!, position)}:${counter(m[3]!, position)}:${counter(m[4]!, position)}`;
  throw new PositionFormatError(position);
}

/** Order of two positions of one source: the order of their versions. */
export function comparePositionVersions(a: string, b: string): number {
  return compareVersions(versionOf(a), versionOf(b));
}
