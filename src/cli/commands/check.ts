import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../config/errors.js';
import { inspectConfig, type CheckReport, type TableReport } from '../../config/inspect.js';
import type { TableSample } from '../../config/sample.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { err, formatCount, formatShare, formatTable, out, printJson, progress, type Progress } from '../output.js';

interface CheckOptions { config: string; json?: boolean; sample?: number; maxRejected?: RejectLimit }

/** How many sampled rows may fail and check still pass: a count, or a share of the rows read. */
export type RejectLimit = { readonly rows: number } | { readonly percent: number };

export function parseMaxRejected(v: string): RejectLimit {
  const t = v.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent > 100) throw new InvalidArgumentError(`a share must be between 0% and 100%, found "${v}"`);
    return { percent };
  }
  if (/^\d+$/.test(t)) return { rows: Number(t) };
  throw new InvalidArgumentError(`expected a number of rows (e.g. 12) or a share of the sampled rows (e.g. 0.5%), found "${v}"`);
}

const limitText = (l: RejectLimit) => ('rows' in l ? `${formatCount(l.rows)} row${l.rows === 1 ? '' : 's'}` : `${l.percent}%`);

/**
 * The sample as a gate (CI): rows that would not migrate are a problem (exit 1) unless within --max-rejected (default
 * none). The dry run judges each row; this only counts the verdicts.
 */
function gateSample(report: CheckReport, limit: RejectLimit): CheckReport & { rejected?: { rows: number; read: number; limit: string; exceeded: boolean } } {
  if (!report.sample) return report;
  const read = report.sample.tables.reduce((s, t) => s + t.read, 0);
  const rows = report.sample.tables.reduce((s, t) => s + (t.read - t.clean), 0);
  const exceeded = 'rows' in limit ? rows > limit.rows : read > 0 && (rows / read) * 100 > limit.percent;
  const rejected = { rows, read, limit: limitText(limit), exceeded };
  if (!exceeded) return { ...report, rejected };
  const problem = `${formatCount(rows)} of ${formatCount(read)} sampled rows would not migrate (${formatShare(read ? rows / read : 0)}); ` +
    `--max-rejected allows ${limitText(limit)}`;
  const exitCode = report.exitCode === 2 ? 2 : 1;
  return { ...report, ok: false, exitCode, problems: [...report.problems, problem], rejected };
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number of rows, found "${v}"`);
  return n;
}

const keyText = (k: readonly string[]) => `(${k.join(', ')})`;

function renderTables(title: string, tables: readonly TableReport[], lines: string[]): void {
  lines.push('', title);
  if (tables.length === 0) { lines.push('  (none)'); return; }
  for (const t of tables) {
    const keys = [`primary key ${t.primaryKey.length ? keyText(t.primaryKey) : 'none'}`, ...t.uniqueKeys.map((u) => `unique ${keyText(u)}`)];
    if (t.key && keyText(t.key) !== keyText(t.primaryKey)) keys.push(`mapped by ${keyText(t.key)}`);
    lines.push(`  ${t.name}  ${t.rows === null ? '? rows' : `${formatCount(t.rows)} rows`}  ${keys.join(', ')}`);
    lines.push(formatTable(null, t.columns.map((c) => [c.name, c.type, c.nativeType, c.nullable ? 'null' : 'not null']), { indent: '    ' }));
  }
}

function renderSample(tables: readonly TableSample[], limit: number, lines: string[]): void {
  lines.push('', `Sample dry run (first ${formatCount(limit)} rows per table, in key order)`);
  lines.push(formatTable(['TABLE', 'READ', 'CLEAN', 'SHARE', 'PRODUCED'], tables.map((t) => [
    t.table, formatCount(t.read), formatCount(t.clean), formatShare(t.share),
    Object.entries(t.produced).map(([n, c]) => `${n} ${formatCount(c)}`).join(', ') || '-',
  ]), { indent: '  ', right: [1, 2, 3] }));
  for (const t of tables) {
    if (t.failures.length === 0) continue;
    lines.push('', `  ${t.table}: ${formatCount(t.read - t.clean)} rows would not migrate cleanly`);
    lines.push(formatTable(['ROWS', 'REASON', 'EXAMPLE KEYS'], t.failures.map((f) => [formatCount(f.count), f.reason, f.exampleKeys.join('; ')]), { indent: '    ', right: [0] }));
  }
  for (const t of tables) {
    if (t.notices.length === 0) continue;
    const n = t.notices.reduce((s, x) => s + x.count, 0);
    lines.push('', `  ${t.table}: ${formatCount(n)} value${n === 1 ? '' : 's'} cleaned by a rule, not by their content (they migrate; check them)`);
    lines.push(formatTable(['VALUES', 'COLUMN', 'WHAT', 'EXAMPLE KEYS'], t.notices.map((x) => [formatCount(x.count), x.column, x.message, x.exampleKeys.join('; ')]), { indent: '    ', right: [0] }));
  }
}

/** The human form of the report: readable sections and tables. */
export function renderCheckReport(r: CheckReport): string {
  const lines: string[] = [`siphon check: migration "${r.config.name}"${r.config.file ? ` (${r.config.file})` : ''}`, '', 'Backends'];
  lines.push(formatTable(['ROLE', 'URL', 'STATUS'], r.backends.map((b) => [
    b.role, b.url, b.reachable ? `ok${b.kind !== 'unknown' ? ` (${b.kind}${b.note ? `, ${b.note}` : ''})` : ''}` : `UNREACHABLE: ${b.error}`,
  ]), { indent: '  ' }));
  if (r.legacy) {
    renderTables(`Legacy tables (${r.legacy.tables.length} mapped${r.legacy.unmapped.length ? `; not mapped: ${r.legacy.unmapped.join(', ')}` : ''})`, r.legacy.tables, lines);
    lines.push('', `Capture on legacy: ${r.legacy.captureReady ? 'possible' : 'NOT POSSIBLE'}`);
    for (const c of r.legacy.capture) {
      const details = Object.entries(c.details).map(([k, v]) => `${k}=${String(v)}`).join(', ');
      lines.push(`  ${c.method}: ${c.ready ? 'ready' : 'not ready'}${details ? `  (${details})` : ''}`);
      for (const p of c.problems) lines.push(`    - ${p}`);
    }
  }
  if (r.next) renderTables('Next tables', r.next.tables, lines);
  if (r.schema) {
    lines.push('', `Next schema versus the mappings: ${r.schema.error ?? (r.schema.mismatches.length === 0 ? 'matches' : `${r.schema.mismatches.length} mismatch${r.schema.mismatches.length === 1 ? '' : 'es'} (siphon schema plan shows the DDL the mappings imply)`)}`);
    for (const m of r.schema.mismatches) lines.push(`  ${m.message}`);
  }
  if (r.sample) renderSample(r.sample.tables, r.sample.limit, lines);
  if (r.warnings.length) { lines.push('', 'Warnings'); for (const w of r.warnings) lines.push(`  ${w.message}`); }
  if (r.configErrors.length) { lines.push('', 'Config errors'); for (const e of r.configErrors) lines.push(`  ${e.message}`); }
  if (r.problems.length) { lines.push('', 'Problems'); for (const p of r.problems) lines.push(`  ${p}`); }
  const verdict = r.exitCode === 0 ? 'OK' : r.exitCode === 2 ? 'the config does not match the databases' : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} found`;
  lines.push('', `Result: ${verdict} (exit ${r.exitCode})`);
  return lines.join('\n');
}

async function check(opts: CheckOptions): Promise<number> {
  let config;
  try {
    config = await loadConfig(opts.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (opts.json) printJson({ ok: false, exitCode: EXIT_USAGE, config: { file: opts.config }, configErrors: e.issues, code: e.code, message: e.message });
    else err(`siphon: ${e.message}`);
    return EXIT_USAGE;
  }
  if (opts.maxRejected && !opts.sample) {
    err('siphon: --max-rejected needs --sample N (it limits the rows of the sample that would not migrate)');
    return EXIT_USAGE;
  }
  let bar: Progress | undefined;
  const inspected = await inspectConfig(config, {
    ...(opts.sample ? { sample: opts.sample } : {}),
    onSampleStart: (table, total) => { bar = progress(`sampling ${table}`, total); },
    onSampleRow: () => bar?.tick(),
    onSampleEnd: () => bar?.done(),
  });
  const report = gateSample(inspected, opts.maxRejected ?? { rows: 0 });
  if (opts.json) printJson(report);
  else out(renderCheckReport(report));
  return report.exitCode;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('load and validate the config, connect to every backend and report tables, keys, row counts and capture readiness')
    .option('-c, --config <file>', 'the config file (.ts, .mts, .js or .mjs)', 'siphon.config.ts')
    .option('--json', 'print one JSON document instead of text')
    .option('--sample <n>', 'dry-run cleaning, to() and the schemas on the first N legacy rows of each mapped table; exit 1 if any would not migrate', positiveInt)
    .option('--max-rejected <n|p%>', 'with --sample: accept up to N rows (or P% of the sampled rows) that would not migrate', parseMaxRejected)
    .action(async (opts: CheckOptions) => {
      // always set, so that a previous in-process run cannot leak its code into this one
      process.exitCode = await check(opts);
    });
}
