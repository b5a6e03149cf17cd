/**
 * `npm run billing:generate -- --customers N --seed S --dirty RATIO --legacy-db URL [--reset] [--json]`
 * Fills a legacy billing database (MariaDB/MySQL or SQLite) with deterministic, realistically dirty data.
 */
import { Command, InvalidArgumentError } from 'commander';
import { generateLegacy, GenerateOptionsError } from './generate/generate-legacy.js';
import { deprecatedAlias } from '../../src/cli/deprecated.js';
import { GenerateError } from './generate/writers.js';

const number = (name: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return n;
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('billing:generate')
    .description('Generate the legacy billing data (deterministic for a seed)')
    .option('--customers <n>', 'number of customers', number('--customers'), 1000)
    .option('--seed <s>', 'PRNG seed', '1')
    .option('--dirty <ratio>', 'share of rows carrying a defect (0..1)', number('--dirty'), 0.02)
    .option('--legacy-db <url>', 'legacy database: sqlite:PATH or mysql://user@host:port/db (required)')
    .option('--reset', 'drop the legacy tables first', false)
    .option('--json', 'print the summary as JSON', false)
    .option('--batch-rows <n>', 'rows per write transaction', number('--batch-rows'), 10_000)
    .exitOverride();
  deprecatedAlias(program, '--legacy', '--legacy-db');
  try {
    program.parse(argv);
  } catch {
    return 2;
  }
  const o = program.opts<{ customers: number; seed: string; dirty: number; legacyDb?: string; reset: boolean; json: boolean; batchRows: number }>();
  if (!o.legacyDb) { process.stderr.write('billing:generate: give --legacy-db URL (the legacy database to fill)\n'); return 2; }
  try {
    const s = await generateLegacy({ legacy: o.legacyDb, customers: o.customers, seed: o.seed, dirty: o.dirty, reset: o.reset, batchRows: o.batchRows });
    if (o.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else {
      process.stdout.write(`generated ${s.totalRows} legacy rows for ${s.customers} customers in ${(s.durationMs / 1000).toFixed(1)} s (${s.rowsPerSecond} rows/s) into ${s.legacy}\n`);
      for (const [t, n] of Object.entries(s.rows)) process.stdout.write(`  ${t.padEnd(11)} ${String(n).padStart(10)}  defects: ${JSON.stringify(s.defects[t as keyof typeof s.defects])}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof GenerateOptionsError || e instanceof GenerateError) { process.stderr.write(`billing:generate: ${e.message}\n`); return 2; }
    process.stderr.write(`billing:generate: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
