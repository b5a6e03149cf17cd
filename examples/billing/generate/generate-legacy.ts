/**
 * Fill a legacy billing database: customers 1..N generated in order, written in bounded batches. Memory holds one
 * batch, whatever N.
 */
import type { LegacyTableName } from '../legacy/schema.js';
import { generateCustomer, initialSequences } from './customer.js';
import type { DefectCounts } from './defects.js';
import { addDefect, emptyDefectCounts } from './defects.js';
import { openLegacyWriter } from './writers.js';
import type { RowsByTable } from './writers.js';
import { Progress } from './progress.js';

export interface GenerateOptions {
  /** `sqlite:PATH` or `mysql://…` / `mariadb://…` */
  readonly legacy: string;
  readonly customers: number;
  readonly seed: string | number;
  /** Share of rows carrying a defect, 0..1. */
  readonly dirty: number;
  /** Drop the legacy tables first. */
  readonly reset?: boolean;
  /** Rows per write transaction (default 10,000). */
  readonly batchRows?: number;
  /** Progress on stderr (default true). */
  readonly progress?: boolean;
}

export interface GenerateSummary {
  readonly legacy: string;
  readonly customers: number;
  readonly seed: string | number;
  readonly dirty: number;
  /** Rows written per table. */
  readonly rows: Record<LegacyTableName, number>;
  readonly totalRows: number;
  /** Defects planted per table and kind ('deleted' rows were not written). */
  readonly defects: DefectCounts;
  readonly durationMs: number;
  readonly rowsPerSecond: number;
}

export class GenerateOptionsError extends Error {}

export function validateGenerateOptions(o: GenerateOptions): void {
  if (!Number.isInteger(o.customers) || o.customers < 0) throw new GenerateOptionsError(`--customers must be a non-negative integer, got ${o.customers}`);
  if (!(o.dirty >= 0 && o.dirty <= 1)) throw new GenerateOptionsError(`--dirty must be a ratio between 0 and 1, got ${o.dirty}`);
  if (o.batchRows !== undefined && (!Number.isInteger(o.batchRows) || o.batchRows < 1)) throw new GenerateOptionsError(`batchRows must be a positive integer, got ${o.batchRows}`);
}

export async function generateLegacy(o: GenerateOptions): Promise<GenerateSummary> {
  validateGenerateOptions(o);
  const started = Date.now();
  const writer = await openLegacyWriter(o.legacy);
  const rows: Record<LegacyTableName, number> = { CLIENT: 0, CONTRAT: 0, FACTURE: 0, LIGNE_FACT: 0, REGLEMENT: 0 };
  const defects = emptyDefectCounts();
  const batchRows = o.batchRows ?? 10_000;
  const progress = new Progress(o.customers, 'customers', o.progress === false ? null : process.stderr);
  let total = 0;
  try {
    await writer.prepare(o.reset ?? false);
    const seq = initialSequences();
    let batch: RowsByTable = new Map();
    let inBatch = 0;
    let pending: Promise<void> = Promise.resolve();
    for (let id = 1; id <= o.customers; id++) {
      for (const g of generateCustomer(o.seed, id, o.dirty, seq)) {
        if (g.defect) addDefect(defects, g.table, g.defect);
        if (g.defect === 'deleted') continue;
        let list = batch.get(g.table);
        if (!list) batch.set(g.table, (list = []));
        list.push(g.row);
        rows[g.table]++;
        inBatch++;
      }
      if (inBatch >= batchRows) {
        // generate the next batch while the server writes this one (at most two batches in memory)
        await pending;
        pending = writer.write(batch);
        pending.catch(() => undefined); // observed by the next await; avoids an unhandled-rejection report meanwhile
        total += inBatch;
        batch = new Map();
        inBatch = 0;
        progress.update(id, total);
      }
    }
    await pending;
    if (inBatch > 0) await writer.write(batch);
    total += inBatch;
    progress.finish(o.customers, total);
  } finally {
    await writer.close().catch(() => undefined);
  }
  const durationMs = Date.now() - started;
  return {
    legacy: writer.displayUrl, customers: o.customers, seed: o.seed, dirty: o.dirty, rows, totalRows: total, defects,
    durationMs, rowsPerSecond: Math.round(total / Math.max(durationMs / 1000, 0.001)),
  };
}
