import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { openDatabase } from '../../backends/open.js';
import type { Database, TableInfo } from '../../backends/types.js';
import { parseConnectionUrl, redactUrl } from '../../backends/url.js';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../config/errors.js';
import { planNextSchema, type SchemaPlan } from '../../config/next-schema/plan.js';
import { renderPlan } from '../../config/next-schema/render.js';
import { compareSchema } from '../../config/next-schema/compare.js';
import type { ResolvedConfig } from '../../config/types.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE } from '../exit-codes.js';
import { err, out, printJson } from '../output.js';

interface SchemaOptions { config: string; json?: boolean; out?: string; yes?: boolean }

/** What a plan needs: the config, legacy (read), next's existing tables. Returns an exit code on failure. */
async function prepare(opts: SchemaOptions, forWrite: boolean): Promise<number | { config: ResolvedConfig; plan: SchemaPlan; existing: Record<string, TableInfo>; next?: Database }> {
  let config: ResolvedConfig;
  try { config = await loadConfig(opts.config); } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`siphon: ${e.message}`);
    return EXIT_USAGE;
  }
  let kind: string;
  try { kind = parseConnectionUrl(config.next.db.replace(/\$\{[^}]*\}/g, 'x')).kind; } catch { kind = 'unknown'; }
  if (kind !== 'postgres' && kind !== 'sqlite') {
    err(`siphon: schema plan writes PostgreSQL or SQLite DDL; next.db (${redactUrl(config.next.db)}) is ${kind}`);
    return EXIT_USAGE;
  }
  let legacy: Database | undefined, next: Database | undefined;
  try {
    legacy = await openDatabase(config.legacy.db, { mustExist: true, readonly: true, poolSize: 2 });
  } catch (e) {
    err(`siphon: legacy ${redactUrl(config.legacy.db)} is not usable: ${(e as Error).message.split('\n')[0]}`);
    return EXIT_PROBLEMS;
  }
  try {
    const existing: Record<string, TableInfo> = {};
    const parsed = parseConnectionUrl(config.next.db);
    // a SQLite next that does not exist yet has no tables: plan never creates it (apply does)
    const nextFileMissing = parsed.kind === 'sqlite' && parsed.path !== ':memory:' && !existsSync(parsed.path);
    if (!nextFileMissing || forWrite) {
      try {
        next = await openDatabase(config.next.db, forWrite ? { poolSize: 2 } : { mustExist: true, readonly: true, poolSize: 2 });
      } catch (e) {
        err(`siphon: next ${redactUrl(config.next.db)} is not usable: ${(e as Error).message.split('\n')[0]}`);
        return EXIT_PROBLEMS;
      }
      const names = await next.listTables();
      for (const t of Object.values(config.tables)) for (const n of Object.keys(t.schemas)) if (names.includes(n)) existing[n] = await next.describeTable(n);
    }
    const plan = await planNextSchema(config, legacy, kind);
    const result = { config, plan, existing, ...(next ? { next } : {}) };
    next = undefined; // handed over
    return result;
  } finally {
    await legacy.close().catch(() => undefined);
    await next?.close().catch(() => undefined);
  }
}

function header(config: ResolvedConfig, plan: SchemaPlan): string[] {
  return [
    `siphon schema plan: the next tables the mappings of "${config.name}"${config.file ? ` (${config.file})` : ''} imply, for ${plan.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}.`,
    'Types come from the legacy column each next column copies (seen on the first legacy rows), else from the zod schema.',
    'Review and edit before applying: siphon schema apply -c FILE shows it again and asks; nothing is applied by plan.',
  ];
}

async function planCommand(opts: SchemaOptions): Promise<number> {
  const p = await prepare(opts, false);
  if (typeof p === 'number') return p;
  const { sql, statements } = renderPlan(p.plan, p.existing, header(p.config, p.plan));
  if (opts.json) printJson({ dialect: p.plan.dialect, tables: p.plan.tables, statements, mismatches: compareSchema(p.plan, p.existing) });
  else if (opts.out) { writeFileSync(opts.out, sql, 'utf8'); out(`wrote ${opts.out} (${statements.length} statement${statements.length === 1 ? '' : 's'})`); }
  else out(sql);
  return EXIT_OK;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try { return /^y(es)?$/i.test((await rl.question(question)).trim()); } finally { rl.close(); }
}

async function applyCommand(opts: SchemaOptions): Promise<number> {
  if (!opts.yes && !process.stdin.isTTY) {
    err('siphon: schema apply changes next; without a terminal to confirm, re-run with --yes after reviewing `siphon schema plan`');
    return EXIT_USAGE;
  }
  const p = await prepare(opts, true);
  if (typeof p === 'number') return p;
  const next = p.next!;
  try {
    const { sql, statements } = renderPlan(p.plan, p.existing, header(p.config, p.plan));
    if (!opts.json) out(sql);
    if (statements.length === 0) { if (opts.json) printJson({ applied: 0, statements: [] }); return EXIT_OK; }
    if (!opts.yes && !(await confirm(`Apply these ${statements.length} statement${statements.length === 1 ? '' : 's'} to next ${next.displayUrl}? [y/N] `))) {
      err('siphon: nothing applied');
      return EXIT_PROBLEMS;
    }
    // one transaction: PostgreSQL and SQLite roll DDL back with it, so a failing statement leaves next as it was
    await next.transaction(async (tx) => { for (const s of statements) await tx.execute(s); });
    if (opts.json) printJson({ applied: statements.length, statements });
    else out(`applied ${statements.length} statement${statements.length === 1 ? '' : 's'} to next ${next.displayUrl}`);
    return EXIT_OK;
  } finally {
    await next.close().catch(() => undefined);
  }
}

export function registerSchema(program: Command): void {
  const schema = program.command('schema').description('the next schema the mappings imply: plan it (DDL to review), apply it');
  schema.command('plan')
    .description('print the DDL of the next tables the mappings imply (PostgreSQL or SQLite); nothing is applied')
    .option('-c, --config <file>', 'the config file', 'siphon.config.ts')
    .option('--out <file>', 'write the DDL to a file instead of stdout')
    .option('--json', 'print the plan as JSON (tables, columns with their source, statements, mismatches)')
    .action(async (opts: SchemaOptions) => { process.exitCode = await planCommand(opts); });
  schema.command('apply')
    .description('show the planned DDL, ask, then apply it to next in one transaction')
    .option('-c, --config <file>', 'the config file', 'siphon.config.ts')
    .option('--yes', 'apply without asking (scripts); review `siphon schema plan` first')
    .option('--json', 'print what was applied as JSON')
    .action(async (opts: SchemaOptions) => { process.exitCode = await applyCommand(opts); });
}
