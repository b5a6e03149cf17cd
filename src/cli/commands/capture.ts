import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openDatabase } from '../../backends/open.js';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_LOG } from '../../config/resolve.js';
import { openLog } from '../../log/open.js';
import { CaptureConfigError } from '../../capture/errors.js';
import { defaultMethod } from '../../capture/open.js';
import { sourceLag } from '../../capture/lag.js';
import { captureReadiness, chooseMethod } from '../../capture/readiness.js';
import { startCapture, untilSignalled } from '../../capture/run.js';
import { dropSlotAndPublication, ensurePublicationAndSlot, defaultSlotName, setReplicaIdentityFull, tablesWithoutFullIdentity } from '../../capture/pgoutput/slot.js';
import { installTriggers, uninstallTriggers } from '../../capture/trigger/install.js';
import { CAPTURE_METHODS, type CaptureMethod, type OnSchemaChange } from '../../capture/types.js';
import { dropWatermarkTable, ensureWatermarkTable, WATERMARK_TABLE } from '../../capture/watermark.js';
import { err, out, printJson } from '../output.js';
import { deprecatedAlias } from '../deprecated.js';

interface TargetOpts {
  config?: string; legacyDb?: string; log?: string; tables?: string; method?: string; source: string; slot?: string;
}
interface Target { legacyUrl: string; logUrl: string; tables: string[]; method: CaptureMethod | null; source: string; slot: string }

const DEFAULT_CONFIG = 'siphon.config.ts';

/** Legacy URL, log URL and tables from -c FILE, overridden by --legacy-db/--log/--tables. */
async function target(o: TargetOpts): Promise<Target> {
  let legacyUrl = o.legacyDb, logUrl = o.log, tables = o.tables?.split(',').map((t) => t.trim()).filter(Boolean);
  const file = o.config ?? (!o.legacyDb && existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (file) {
    const cfg = await loadConfig(file);
    legacyUrl ??= cfg.legacy.db;
    logUrl ??= cfg.log;
    tables ??= Object.keys(cfg.tables);
  }
  if (!legacyUrl) throw new CaptureConfigError('no legacy database: give -c FILE (a siphon config) or --legacy-db URL');
  if (!tables || tables.length === 0) throw new CaptureConfigError('no tables to capture: give -c FILE or --tables A,B');
  const method = o.method === undefined ? null : parseMethod(o.method);
  return { legacyUrl, logUrl: logUrl ?? DEFAULT_LOG, tables, method, source: o.source, slot: o.slot ?? defaultSlotName(o.source) };
}

function parseMethod(v: string): CaptureMethod {
  if (!(CAPTURE_METHODS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${CAPTURE_METHODS.join(', ')}, found "${v}"`);
  return v as CaptureMethod;
}

function parseOnSchema(v: string): OnSchemaChange {
  if (v !== 'follow' && v !== 'stop') throw new InvalidArgumentError(`expected follow or stop, found "${v}"`);
  return v;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, found "${v}"`);
  return n;
}

function common(cmd: Command): Command {
  return deprecatedAlias(cmd, '--legacy', '--legacy-db')
    .option('-c, --config <file>', `a siphon config (legacy db, log, tables); default ${DEFAULT_CONFIG} when present`)
    .option('--legacy-db <url>', 'legacy database URL (overrides the config)')
    .option('--log <url>', `event log URL (default ${DEFAULT_LOG})`)
    .option('--tables <list>', 'comma-separated tables to capture (overrides the config)')
    .option('--method <method>', `${CAPTURE_METHODS.join(' | ')} (default: binlog on MariaDB, pgoutput on PostgreSQL, trigger on SQLite)`)
    .option('--source <name>', 'source name in the log', 'legacy')
    .option('--slot <name>', 'pgoutput: replication slot and publication name (default siphon_<source>)');
}

export function registerCapture(program: Command): void {
  const capture = program.command('capture').description('capture every legacy row change into the event log');

  common(capture.command('install').description('prepare legacy for capture: triggers + change table (trigger), publication + slot (pgoutput), watermark table (all)'))
    .option('--set-replica-identity', 'pgoutput: ALTER TABLE … REPLICA IDENTITY FULL where missing (complete before images)')
    .action(async (o: TargetOpts & { setReplicaIdentity?: boolean }) => {
      const t = await target(o);
      const db = await openDatabase(t.legacyUrl, { mustExist: true });
      try {
        // refuses what start would refuse (issue 11, finding 7): every table keyed, the method ready on legacy
        const method = chooseMethod(db.dialect, await captureReadiness(db, t.tables, { slot: t.slot }), t.method);
        await ensureWatermarkTable(db);
        if (method === 'trigger') await installTriggers(db, t.tables);
        if (method === 'pgoutput') {
          await ensurePublicationAndSlot(db, t.source, t.slot, t.slot, [...t.tables, WATERMARK_TABLE], true);
          const missing = await tablesWithoutFullIdentity(db, t.tables);
          if (missing.length && o.setReplicaIdentity) await setReplicaIdentityFull(db, missing);
          else if (missing.length) err(`warning: REPLICA IDENTITY is not FULL on ${missing.join(', ')}: updates/deletes carry no complete before image (rerun with --set-replica-identity)`);
        }
        out(`capture installed on ${db.displayUrl} (${method}): ${t.tables.join(', ')}`);
      } finally { await db.close(); }
    });

  common(capture.command('uninstall').description(`remove what install created: triggers (trigger), the slot and publication (pgoutput), and the ${WATERMARK_TABLE} table (all)`))
    .option('--drop-change-table', 'trigger: also drop the change table (pending changes are lost)')
    .option('--keep-watermarks', `keep the ${WATERMARK_TABLE} table (another capture source or a backfill of this legacy still uses it)`)
    .action(async (o: TargetOpts & { dropChangeTable?: boolean; keepWatermarks?: boolean }) => {
      const t = await target(o);
      const db = await openDatabase(t.legacyUrl, { mustExist: true });
      try {
        const method = t.method ?? defaultMethod(db.dialect);
        if (method === 'trigger') await uninstallTriggers(db, t.tables, { dropChangeTable: o.dropChangeTable ?? false });
        if (method === 'pgoutput') await dropSlotAndPublication(db, t.slot, t.slot);
        // after the triggers / publication that reference it
        if (!o.keepWatermarks) await dropWatermarkTable(db);
        out(`capture uninstalled from ${db.displayUrl} (${method}); ${WATERMARK_TABLE} ${o.keepWatermarks ? 'kept (--keep-watermarks)' : 'dropped'}`);
      } finally { await db.close(); }
    });

  common(capture.command('start').description('run capture until interrupted (SIGINT/SIGTERM): resumes after the position stored in the log'))
    .option('--create-slot', 'pgoutput: create the publication and slot when missing')
    .option('--set-replica-identity', 'pgoutput: set REPLICA IDENTITY FULL where missing')
    .option('--on-schema-change <mode>', 'follow | stop: what to do after recording a DDL change of a captured table', parseOnSchema, 'stop' as OnSchemaChange)
    .option('--reset', 'binlog: ignore the stored position and start at the current end (after a purge; backfill afterwards)')
    .option('--batch-size <n>', 'most records per log append', positiveInt, 2000)
    .option('--status-every <seconds>', 'log a status line this often', positiveInt, 10)
    .action(async (o: TargetOpts & { createSlot?: boolean; setReplicaIdentity?: boolean; onSchemaChange: OnSchemaChange; reset?: boolean; batchSize: number; statusEvery: number }) => {
      const t = await target(o);
      const run = await startCapture({
        legacyUrl: t.legacyUrl, logUrl: t.logUrl, tables: t.tables, method: t.method, source: t.source, slot: t.slot,
        createSlot: o.createSlot ?? false, setReplicaIdentity: o.setReplicaIdentity ?? false, onSchemaChange: o.onSchemaChange,
        reset: o.reset ?? false, batchSize: o.batchSize, statusEveryMs: o.statusEvery * 1000,
      });
      try {
        await Promise.race([untilSignalled(), run.finished]);
      } finally {
        await run.stop();
      }
      await run.finished; // a fatal capture error surfaces here (exit 1)
    });

  common(capture.command('status').description('the stored capture position, log size and how far legacy is ahead'))
    .option('--json', 'print one JSON document')
    .action(async (o: TargetOpts & { json?: boolean }) => {
      const t = await target(o);
      const db = await openDatabase(t.legacyUrl, { mustExist: true });
      // reading only: a mistyped log URL must not create an empty log reported as "capture never ran"
      const log = await openLog(t.logUrl, { mode: 'read' }).catch(async (e: unknown) => { await db.close(); throw e; });
      try {
        const method = t.method ?? defaultMethod(db.dialect);
        const position = await log.lastSourcePosition(t.source);
        const stats = await log.stats();
        let lag: number | null = null, lagError: string | null = null;
        try { lag = await sourceLag(db, method, t.source, position, t.slot); } catch (e) { lagError = (e as Error).message; }
        const report = { source: t.source, method, legacy: db.displayUrl, log: log.name, position, logEntries: stats.entries, lastOffset: stats.lastOffset, lagPositions: lag, lagError };
        if (o.json) { printJson(report); return; }
        out(`capture "${t.source}" (${method}) of ${db.displayUrl} into ${log.name}`);
        out(`  position stored: ${position ?? '(none: capture never ran)'}`);
        out(`  log entries:     ${stats.entries}${stats.lastOffset ? ` (last offset ${stats.lastOffset})` : ''}`);
        out(`  legacy ahead by: ${lag === null ? `unknown${lagError ? ` (${lagError})` : ''}` : `${lag} ${method === 'trigger' ? 'pending changes' : 'bytes'}`}`);
      } finally { await log.close(); await db.close(); }
    });
}
