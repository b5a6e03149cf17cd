import type { Database, TableInfo } from '../backends/types.js';
import { rowToPlain, toPlain } from '../values/plain.js';
import type { Row } from '../values/value.js';
import { mapRow, type MapStage } from './map-row.js';
import type { CleanNotice, ResolvedConfig, ResolvedTable } from './types.js';

export interface SampleFailureGroup {
  readonly reason: string;
  readonly stage: MapStage;
  /** Rows failing for this reason (a row may fail for several reasons). */
  readonly count: number;
  /** A few keys of failing rows, as `COL=value` text: keys only, never other column values. */
  readonly exampleKeys: readonly string[];
}

export interface TableSample {
  readonly table: string;
  readonly read: number;
  readonly clean: number;
  /** clean / read, 0..1 (1 when nothing was read). */
  readonly share: number;
  /** Rows produced per next table by the clean rows. */
  readonly produced: Readonly<Record<string, number>>;
  readonly failures: readonly SampleFailureGroup[];
  /** Values that migrate, but were cleaned by a rule rather than by their content (ambiguous local times...). */
  readonly notices: readonly SampleNoticeGroup[];
}

export interface SampleNoticeGroup {
  readonly kind: string;
  readonly column: string;
  readonly message: string;
  readonly count: number;
  readonly exampleKeys: readonly string[];
}

const EXAMPLES = 3;

function keyText(row: Row, key: readonly string[]): string {
  return key.map((k) => {
    const v = toPlain(row[k] ?? null);
    return `${k}=${typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`;
  }).join(',');
}

/**
 * Dry run of data compatibility: reads the first `limit` legacy rows of one table in key order (keyset streaming,
 * memory bounded by one batch) and maps each one (mapRow), counting the share that maps and validates cleanly and
 * grouping failures by reason with a few example keys.
 */
export async function sampleTable(
  legacy: Database, config: ResolvedConfig, table: ResolvedTable, limit: number,
  nextTables: Readonly<Record<string, TableInfo>>, onRow?: () => void,
): Promise<TableSample> {
  let read = 0, clean = 0;
  const produced: Record<string, number> = {};
  const groups = new Map<string, { stage: MapStage; count: number; exampleKeys: string[] }>();
  const notices = new Map<string, { kind: string; column: string; message: string; count: number; exampleKeys: string[] }>();
  let current: Row | undefined;
  const notice = (n: CleanNotice) => {
    const k = `${n.kind}\u0000${n.column}`;
    const g = notices.get(k) ?? { kind: n.kind, column: n.column, message: n.message, count: 0, exampleKeys: [] };
    g.count++;
    if (current && g.exampleKeys.length < EXAMPLES) g.exampleKeys.push(keyText(current, table.key));
    notices.set(k, g);
  };
  const ctx = { ...(config.legacy.timezone ? { timezone: config.legacy.timezone } : {}), nextTables, notice };
  if (limit > 0) {
    outer: for await (const batch of legacy.streamRows({ table: table.name, key: table.key, batchSize: Math.min(limit, 1000) })) {
      for (const row of batch) {
        read++;
        current = row;
        const result = mapRow(table, rowToPlain(row), ctx);
        if (result.ok) {
          clean++;
          for (const [t, rows] of Object.entries(result.rows)) produced[t] = (produced[t] ?? 0) + rows.length;
        } else {
          for (const f of result.failures) {
            const g = groups.get(f.reason) ?? { stage: f.stage, count: 0, exampleKeys: [] };
            g.count++;
            if (g.exampleKeys.length < EXAMPLES) g.exampleKeys.push(keyText(row, table.key));
            groups.set(f.reason, g);
          }
        }
        onRow?.();
        if (read >= limit) break outer;
      }
    }
  }
  const failures = [...groups.entries()]
    .map(([reason, g]) => ({ reason, stage: g.stage, count: g.count, exampleKeys: g.exampleKeys }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return {
    table: table.name, read, clean, share: read === 0 ? 1 : clean / read, produced, failures,
    notices: [...notices.values()].sort((a, b) => b.count - a.count || a.column.localeCompare(b.column)),
  };
}
