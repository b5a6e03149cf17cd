import type { Database } from '../backends/types.js';
import { assertNever } from '../errors.js';
import { toPlain } from '../values/index.js';
import { decodeCheckpoint } from './binlog/position.js';
import { slotLagBytes } from './pgoutput/slot.js';
import { CHANGE_TABLE } from './trigger/dialect.js';
import type { CaptureMethod } from './types.js';

/**
 * How far legacy is ahead of a stored capture position, measured on legacy (for `siphon capture status`, which runs
 * apart from the capture process): pending change rows (trigger), binary-log bytes in the same file (binlog), WAL
 * bytes held by the slot (pgoutput). Null when it cannot be told.
 */
export async function sourceLag(db: Database, method: CaptureMethod, source: string, position: string | null, slot: string): Promise<number | null> {
  switch (method) {
    case 'trigger': {
      const last = position && /^\d+$/.test(position) ? BigInt(position) : 0n;
      const r = await db.query(`SELECT COUNT(*) AS n FROM ${db.quoteIdent(CHANGE_TABLE)} WHERE id > ?`, [last]);
      return Number(toPlain(r[0]?.['n'] ?? null) ?? 0);
    }
    case 'binlog': {
      if (!position) return null;
      const cp = decodeCheckpoint(source, position);
      const st = await db.query('SHOW MASTER STATUS');
      const file = st[0]?.['File'], pos = st[0]?.['Position'];
      return file === cp.file && pos !== undefined && pos !== null ? Math.max(0, Number(toPlain(pos)) - cp.pos) : null;
    }
    case 'pgoutput': return slotLagBytes(db, slot);
    default: return assertNever(method, 'capture method');
  }
}
