/**
 * A test-only applier with to() = identity, on a SQLite file: each legacy row stored whole (JSON) under
 * (table, key) with its version, written only when the incoming version is newer (tombstones kept), checkpoint
 * compare-and-set in the same transaction — the Applier contract's guarantees and nothing else. It lets the backfill
 * be tested against real capture on the three engines independently of the real applier's mapping work.
 */
import Database from 'better-sqlite3';
import type { Applier, ApplyBatchOptions, ApplyBatchResult, ApplyItem } from '../../src/apply/types.js';
import { versionOf } from '../../src/log/version.js';
import type { Row } from '../../src/values/index.js';
import { keyToText } from '../../src/values/index.js';

export class MirrorApplier implements Applier {
  private readonly db: Database.Database;
  /** Chunk rows written / skipped as stale, for reports. */
  readonly counts = { readWritten: 0, readStale: 0, changes: 0 };

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS rows (tbl TEXT NOT NULL, k TEXT NOT NULL, version TEXT NOT NULL, data TEXT, PRIMARY KEY (tbl, k));
      CREATE TABLE IF NOT EXISTS checkpoints (consumer TEXT PRIMARY KEY, value TEXT)`);
  }

  async apply(items: readonly ApplyItem[], options?: ApplyBatchOptions): Promise<ApplyBatchResult> {
    const get = this.db.prepare('SELECT version FROM rows WHERE tbl = ? AND k = ?');
    const put = this.db.prepare('INSERT INTO rows (tbl, k, version, data) VALUES (?, ?, ?, ?) ON CONFLICT (tbl, k) DO UPDATE SET version = excluded.version, data = excluded.data');
    const counts = { written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0 };
    this.db.transaction(() => {
      const cp = options?.checkpoint;
      if (cp) {
        const stored = (this.db.prepare('SELECT value FROM checkpoints WHERE consumer = ?').get(cp.consumer) as { value: string | null } | undefined)?.value ?? null;
        if (stored !== cp.expected) throw new Error(`checkpoint conflict on ${cp.consumer}: stored ${stored}, expected ${cp.expected}`);
        this.db.prepare('INSERT INTO checkpoints VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET value = excluded.value').run(cp.consumer, cp.next);
      }
      for (const { change: c } of items) {
        const k = keyToText(Object.values(c.key));
        const v = versionOf(c.position);
        const stored = (get.get(c.table, k) as { version: string } | undefined)?.version;
        if (stored !== undefined && stored >= v) {
          counts.stale++;
          if (c.op === 'read') this.counts.readStale++;
          continue;
        }
        put.run(c.table, k, v, c.after ? JSON.stringify(c.after) : null);
        if (c.op === 'read') this.counts.readWritten++; else this.counts.changes++;
        if (c.after) counts.written++; else counts.deleted++;
      }
    })();
    return { ...counts, byTable: {} };
  }

  async checkpoint(consumer: string): Promise<string | null> {
    return (this.db.prepare('SELECT value FROM checkpoints WHERE consumer = ?').get(consumer) as { value: string | null } | undefined)?.value ?? null;
  }

  async appliedVersion(table: string, key: Row): Promise<string | null> {
    return (this.db.prepare('SELECT version FROM rows WHERE tbl = ? AND k = ?').get(table, keyToText(Object.values(key))) as { version: string } | undefined)?.version ?? null;
  }

  /** The live rows of a table (tombstones left out), by key text. */
  rows(table: string): Map<string, Row> {
    const out = new Map<string, Row>();
    for (const r of this.db.prepare('SELECT k, data FROM rows WHERE tbl = ? AND data IS NOT NULL').all(table) as { k: string; data: string }[]) out.set(r.k, JSON.parse(r.data) as Row);
    return out;
  }

  /** Overwrite a stored row's data, keeping its version (what a faulty mapping would have left behind). */
  tamper(table: string, key: string, data: Row): void {
    this.db.prepare('UPDATE rows SET data = ? WHERE tbl = ? AND k = ?').run(JSON.stringify(data), table, key);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
