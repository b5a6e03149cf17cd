import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { runDemo, DEFAULT_DEMO_OPTIONS, MIN_DEMO_CUSTOMERS } from '../../demo/run-demo.js';
import type { DemoStepReport } from '../../demo/types.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE } from '../exit-codes.js';
import { out, printJson } from '../output.js';

interface DemoCliOptions { dir: string; customers: number; seed: number; dirty: number; trafficSeconds: number; rate: number; keep: boolean; json: boolean; open: boolean; dashboardPort?: number; legacyDb?: string; nextDb?: string; legacy?: string; next?: string }

const num = (name: string, min: number, max: number, integer: boolean) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be ${integer ? 'a whole number' : 'a number'} between ${min} and ${max}, found "${v}"`);
  }
  return n;
};

function printStep(r: DemoStepReport): void {
  out(`${r.ok ? '✔' : '✘'} ${r.title} (${(r.durationMs / 1000).toFixed(1)} s)`);
  out(`    ${r.ok ? r.summary : `failed: ${r.error}`}`);
  for (const l of r.lines ?? []) out(`    ${l}`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the billing migration story on embedded SQLite (or given servers): legacy under traffic, capture + backfill + apply, shadow with a planted difference, a canary stepped 10 % → 50 % → next by the analysis, a bad canary it rolls back, owner mode with aspire on first touch, verify, promotion to next, and the scoreboard')
    .option('--dir <path>', 'working folder (its demo files are recreated)', '.siphon/demo')
    // at least MIN_DEMO_CUSTOMERS: the story pauses the backfill inside the customers table, which needs a dozen chunks
    .option('--customers <n>', `legacy customers to generate (at least ${MIN_DEMO_CUSTOMERS})`, num('--customers', MIN_DEMO_CUSTOMERS, 1_000_000, true), DEFAULT_DEMO_OPTIONS.customers)
    .option('--seed <n>', 'generator seed', num('--seed', 0, 2 ** 31, true), DEFAULT_DEMO_OPTIONS.seed)
    .option('--dirty <ratio>', 'share of legacy rows with defects', num('--dirty', 0, 1, false), DEFAULT_DEMO_OPTIONS.dirty)
    .option('--traffic-seconds <s>', 'seconds of traffic per app (0: none)', num('--traffic-seconds', 0, 3600, false), DEFAULT_DEMO_OPTIONS.trafficSeconds)
    .option('--rate <r>', 'requests per second of that traffic', num('--rate', 1, 10_000, false), DEFAULT_DEMO_OPTIONS.rate)
    .option('--legacy-db <url>', 'a MariaDB/MySQL or PostgreSQL legacy database instead of SQLite (its billing tables are recreated; any other table refuses)')
    .option('--next-db <url>', 'a PostgreSQL next database instead of SQLite (same rule)')
    .addOption(new Option('--legacy <url>', 'alias of --legacy-db').hideHelp())
    .addOption(new Option('--next <url>', 'alias of --next-db').hideHelp())
    .option('--keep', 'keep the apps, the gateway and the dashboard running until Ctrl-C', false)
    .option('--open', 'open the dashboard in a browser (xdg-open)', false)
    .option('--dashboard-port <port>', 'port of the admin API serving the dashboard (default: any free one)', num('--dashboard-port', 1, 65535, true))
    .option('--json', 'print one JSON report instead of text', false)
    .action(async (o: DemoCliOptions) => {
      // the demo tells its own story: the parts' JSON logs (capture started, migrate stopped…) only when asked for
      process.env.SIPHON_LOG_LEVEL ??= 'warn';
      const options = { dir: resolve(o.dir), customers: o.customers, seed: o.seed, dirty: o.dirty, trafficSeconds: o.trafficSeconds, rate: o.rate, keep: o.keep, verbose: !o.json, open: o.open,
        ...(o.legacyDb ?? o.legacy ? { legacyDb: o.legacyDb ?? o.legacy } : {}), ...(o.nextDb ?? o.next ? { nextDb: o.nextDb ?? o.next } : {}), ...(o.dashboardPort ? { dashboardPort: o.dashboardPort } : {}) };
      if (!o.json) out(`siphon demo: the billing system on ${options.legacyDb || options.nextDb ? 'the given databases' : 'embedded SQLite'} (${options.customers} customers, seed ${options.seed}, dirty ${options.dirty})`);
      const report = await runDemo(options, {
        ...(o.json ? {} : { onStep: printStep }),
        ...(o.keep ? {
          beforeClose: async (ctx) => {
            out(`\nApps running: legacy ${ctx.legacyApp?.url}  next ${ctx.nextApp?.url}  gateway ${ctx.live?.url ?? 'n/a'}  dashboard ${ctx.dashboardUrl ?? 'n/a'}  (Ctrl-C to stop)`);
            await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
          },
        } : {}),
      });
      const scoreboard = report.steps.find((s) => s.id === 'scoreboard' && s.ok)?.details ?? null;
      const { canary, rolledBack, aspired, promoted } = report.story;
      // the story's results next to the scoreboard: how far the canary went, what the analysis rolled back and why,
      // how many customers a first read pulled, which routes ended on next
      if (o.json) printJson({ ...report, canary: canary ? { ...canary, rolledBack: rolledBack ?? null } : null, aspired: aspired ?? 0, promoted: promoted ?? [], scoreboard });
      else out(report.ok ? `\nDemo done in ${(report.durationMs / 1000).toFixed(1)} s; files in ${report.dir}` : '\nDemo failed.');
      process.exitCode = report.ok ? EXIT_OK : report.steps.some((s) => s.errorCode === 'DEMO_USAGE') ? EXIT_USAGE : EXIT_PROBLEMS;
    });
}
