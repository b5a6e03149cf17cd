import { CapturePositionError } from '../errors.js';
import { pad } from '../records.js';
import { comparePositionVersions } from '../../log/version.js';

/**
 * Binary-log positions.
 *
 * A change's position is `FILE:OFFSET:ROW`: the binary log file, the end offset of its rows event (12 digits) and the
 * row's index inside the event (6 digits). Unique, increasing in stream order, and the same when the stream is read
 * again, so it dedupes a replay.
 *
 * The checkpoint stored with each append says where to resume and what was already stored:
 *   { file, pos }  zongji's safe resume point: a transaction boundary at or before the last stored change (zongji
 *                  freezes it at a transaction's first table map and moves it past the commit), so resuming there
 *                  never splits a transaction from its table maps;
 *   last           the position of the last stored change: on resume, the part of the transaction already stored
 *                  is read again and skipped;
 *   gtid           MariaDB GTID position of the last commit seen, for operators and failover tooling.
 */
export interface BinlogCheckpoint {
  readonly file: string;
  readonly pos: number;
  readonly last: string | null;
  readonly gtid: string | null;
}

export function encodeCheckpoint(c: BinlogCheckpoint): string {
  return JSON.stringify({ m: 'binlog', file: c.file, pos: c.pos, last: c.last, gtid: c.gtid });
}

export function decodeCheckpoint(source: string, text: string): BinlogCheckpoint {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o['m'] === 'binlog' && typeof o['file'] === 'string' && typeof o['pos'] === 'number') {
      return { file: o['file'], pos: o['pos'], last: typeof o['last'] === 'string' ? o['last'] : null, gtid: typeof o['gtid'] === 'string' ? o['gtid'] : null };
    }
  } catch { /* reported below */ }
  throw new CapturePositionError(source, text, 'binlog ({"m":"binlog","file":…,"pos":…})');
}

export function changePosition(file: string, eventEnd: number, row: number): string {
  return `${file}:${pad(eventEnd, 12)}:${pad(row, 6)}`;
}

/** Order of two change positions: the order of their versions (src/log/version.ts: file sequence, offset, row). */
export function comparePositions(a: string, b: string): number {
  return comparePositionVersions(a, b);
}
