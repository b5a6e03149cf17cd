import type { Database } from '../backends/types.js';
import { siphonSql } from '../apply/siphon-tables.js';
import { toPlain } from '../values/index.js';

/** What `siphon status` reads from apply's tables in next, creating nothing (absent tables read as "nothing yet"). */
export interface ApplyReader {
  /** A checkpoint stored by apply (its log offset, or a backfill chunk cursor); null when absent. */
  checkpoint(consumer: string): Promise<string | null>;
  /**
   * Legacy rows of `table` whose current image is in next (row versions, tombstones excluded), not counting the keys
   * in `quarantined` (a row with an open quarantine item counts there, once).
   */
  migratedRows(table: string, quarantined: ReadonlySet<string>): Promise<number | null>;
}

const num = (v: unknown) => Number(toPlain((v ?? 0) as never) ?? 0);

/** apply's tables: the `siphon` schema on PostgreSQL, `siphon_` tables on SQLite (src/apply/siphon-tables.ts). */
export function applyReader(next: Database): ApplyReader {
  const pg = next.dialect === 'postgres';
  const versions = pg ? 'siphon.row_versions' : 'siphon_row_versions';
  let exists: Promise<boolean> | null = null;
  const present = () => (exists ??= (async () => {
    const rows = pg
      ? await next.query(`SELECT to_regclass('siphon.row_versions') IS NOT NULL AND to_regclass('siphon.checkpoints') IS NOT NULL AS ok`)
      : await next.query(`SELECT COUNT(*) = 2 AS ok FROM sqlite_master WHERE type = 'table' AND name IN ('siphon_row_versions', 'siphon_checkpoints')`);
    const ok = toPlain(rows[0]?.['ok'] ?? null);
    return ok === true || ok === 1 || ok === 1n;
  })());
  return {
    async checkpoint(consumer) {
      if (!(await present())) return null;
      const rows = await next.query(siphonSql(next.dialect).selectCheckpoint.replace(' FOR UPDATE', ''), [consumer]);
      const v = rows[0]?.['position'];
      return typeof v === 'string' ? v : null;
    },
    async migratedRows(table, quarantined) {
      if (!(await present())) return 0;
      const live = num((await next.query(`SELECT COUNT(*) AS n FROM ${versions} WHERE source_table = ? AND deleted = 0`, [table]))[0]?.['n']);
      let overlap = 0;
      const keys = [...quarantined];
      for (let i = 0; i < keys.length; i += 500) {
        const part = keys.slice(i, i + 500);
        const r = await next.query(`SELECT COUNT(*) AS n FROM ${versions} WHERE source_table = ? AND deleted = 0 AND legacy_key IN (${part.map(() => '?').join(', ')})`, [table, ...part]);
        overlap += num(r[0]?.['n']);
      }
      return live - overlap;
    },
  };
}
