import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { ResolvedConfig } from '../../config/types.js';
import { createAnalysis } from '../../control/analysis/analysis.js';
import { abortCanary, approveCanary, startCanary, type CanaryStores } from '../../control/analysis/commands.js';
import { parseDuration, resolvePolicy, type RouteAnalysisConfig } from '../../control/analysis/config.js';
import { AnalysisConfigError } from '../../control/analysis/errors.js';
import { isActive } from '../../control/analysis/judge.js';
import { openAnalysisStore } from '../../control/analysis/store/open.js';
import type { CanaryRun, StoredVerdict } from '../../control/analysis/store/types.js';
import { createLogger } from '../../observe/logger.js';
import { DEFAULT_STATE_URL, openStateStore } from '../../state/open.js';
import type { AuditContext } from '../../state/types.js';

interface Common { config?: string; state?: string; json?: boolean; actor?: string; reason?: string }

async function configOf(flags: Common): Promise<ResolvedConfig | undefined> {
  return flags.config ? loadConfig(flags.config) : undefined;
}

/** Both parts of the store; `read`: it must exist (every canary command needs an existing route table). */
async function withStores<T>(flags: Common, config: ResolvedConfig | undefined, fn: (s: CanaryStores) => Promise<T>): Promise<T> {
  const url = flags.state ?? config?.state ?? DEFAULT_STATE_URL;
  const routes = await openStateStore(url, { mode: 'read' });
  try {
    const analysis = await openAnalysisStore(url);
    try { return await fn({ routes, analysis }); } finally { await analysis.close(); }
  } finally { await routes.close(); }
}

function audit(flags: Common): AuditContext {
  let user = 'unknown';
  try { user = userInfo().username; } catch { /* no passwd entry in some containers */ }
  return { actor: flags.actor ?? `${user}@${hostname()}`, ...(flags.reason ? { reason: flags.reason } : {}) };
}

function numberList(flag: string) {
  return (v: string): number[] => {
    const out = v.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
    if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0 || n > 100)) {
      throw new AnalysisConfigError(`expected comma-separated percentages in (0, 100], e.g. 1,5,25,50,100; got "${v}"`, flag);
    }
    return out;
  };
}
function num(flag: string, min: number, max: number, int = false) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
      throw new AnalysisConfigError(`expected ${int ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${v}"`, flag);
    }
    return n;
  };
}
function duration(flag: string) {
  return (v: string): string => {
    if (parseDuration(v) === undefined) throw new AnalysisConfigError(`expected a duration such as 500ms, 30s or 2m, got "${v}"`, flag);
    return v;
  };
}

function runLine(r: CanaryRun, last?: StoredVerdict): string {
  const percent = r.status === 'promoted' ? 100 : isActive(r.status) ? r.policy.steps[r.stepIndex]! : 0;
  const plan = r.policy.steps.map((s, i) => (i === r.stepIndex && isActive(r.status) ? `[${s}]` : String(s))).join(' → ');
  const v = last ? `; last interval ${last.pass ? 'passed' : `failed: ${last.failed.join(', ')}`}` : '';
  return `${r.route.padEnd(16)} ${r.status.padEnd(12)} ${String(percent).padStart(3)}%  ${plan}  passes ${r.passes}/${r.policy.passesPerStep}, failures ${r.failures}/${r.policy.threshold}${v}${r.lastReason ? `\n${' '.repeat(17)}${r.lastReason}` : ''}`;
}

function runJson(r: CanaryRun, verdicts: readonly StoredVerdict[]) {
  return { ...r, startedAt: r.startedAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
    verdicts: verdicts.map((v) => ({ ...v, at: v.at.toISOString() })) };
}

export function registerCanary(program: Command): void {
  const canary = program.command('canary').description('canary analysis: step a route to next, judged every interval, rolled back by itself');
  const common = (c: Command) => c
    .option('-c, --config <file>', 'migration config (its state store and analysis section are used)')
    .option('--state <url>', `state store URL (default: the config's, else ${DEFAULT_STATE_URL})`)
    .option('--json', 'print JSON');
  const change = (c: Command) => common(c)
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .option('--actor <name>', 'who (default: user@host)');

  change(canary.command('start <route>').description('put the route in canary mode at the first step; `canary run` (or `siphon start`) judges it'))
    .option('--steps <list>', 'percentages, e.g. 1,5,25,50,100', numberList('--steps'))
    .option('--interval <duration>', 'analysis interval, e.g. 30s, 1m', duration('--interval'))
    .option('--threshold <n>', 'consecutive failed intervals that roll back', num('--threshold', 1, 1000, true))
    .option('--passes <n>', 'passing intervals per step', num('--passes', 1, 1000, true))
    .option('--min-requests <n>', 'next requests per interval before a check may pass', num('--min-requests', 1, 1e9, true))
    .option('--max-error-rate <share>', 'share of next requests that may fail (0.01 = 1 %)', num('--max-error-rate', 0, 1))
    .option('--max-latency-ratio <r>', 'next p99 / legacy p99 bound', num('--max-latency-ratio', 1, 1000))
    .option('--max-diff-rate <share>', 'share of compared exchanges with a real difference; "off" disables the diff check')
    .option('--gates <list>', 'steps held until `siphon canary approve`', numberList('--gates'))
    .action(async (route: string, f: Common & { steps?: number[]; interval?: string; threshold?: number; passes?: number; minRequests?: number;
      maxErrorRate?: number; maxLatencyRatio?: number; maxDiffRate?: string; gates?: number[] }) => {
      const config = await configOf(f);
      let maxDiffRate: number | null | undefined;
      if (f.maxDiffRate !== undefined) maxDiffRate = f.maxDiffRate === 'off' ? null : num('--max-diff-rate', 0, 1)(f.maxDiffRate);
      const overrides: RouteAnalysisConfig = {
        ...(f.steps ? { steps: f.steps } : {}), ...(f.interval ? { interval: f.interval } : {}),
        ...(f.threshold !== undefined ? { threshold: f.threshold } : {}), ...(f.passes !== undefined ? { passesPerStep: f.passes } : {}),
        ...(f.minRequests !== undefined ? { minRequests: f.minRequests } : {}), ...(f.maxErrorRate !== undefined ? { maxErrorRate: f.maxErrorRate } : {}),
        ...(f.maxLatencyRatio !== undefined ? { maxLatencyRatio: f.maxLatencyRatio } : {}), ...(maxDiffRate !== undefined ? { maxDiffRate } : {}),
        ...(f.gates ? { gates: f.gates } : {}),
      };
      const policy = resolvePolicy(config?.analysis, route, overrides);
      const run = await withStores(f, config, (s) => startCanary(s, route, policy, audit(f)));
      if (f.json) process.stdout.write(JSON.stringify(runJson(run, []), null, 2) + '\n');
      else process.stdout.write(`canary started: ${runLine(run)}\n(judged by \`siphon canary run\` or \`siphon start\`)\n`);
    });

  common(canary.command('status [route]').description('canary runs with their last verdicts (raw figures with --json)'))
    .option('--verdicts <n>', 'verdicts per route in --json output', num('--verdicts', 0, 10_000, true), 20)
    .action(async (route: string | undefined, f: Common & { verdicts: number }) => {
      const config = await configOf(f);
      await withStores(f, config, async (s) => {
        const runs = (await s.analysis.listRuns()).filter((r) => route === undefined || r.route === route);
        const withVerdicts = await Promise.all(runs.map(async (r) => ({ run: r, verdicts: await s.analysis.listVerdicts(r.route, Math.max(1, f.verdicts)) })));
        if (f.json) {
          process.stdout.write(JSON.stringify({ runs: withVerdicts.map((x) => runJson(x.run, x.verdicts.slice(0, f.verdicts))) }, null, 2) + '\n');
          return;
        }
        if (runs.length === 0) { process.stdout.write(route ? `no canary for route "${route}"\n` : 'no canary runs\n'); return; }
        for (const x of withVerdicts) process.stdout.write(runLine(x.run, x.verdicts[0]) + '\n');
      });
    });

  change(canary.command('abort <route>').description('stop the canary now and send every user of the route back to legacy'))
    .action(async (route: string, f: Common) => {
      const run = await withStores(f, await configOf(f), (s) => abortCanary(s, route, audit(f)));
      process.stdout.write(f.json ? JSON.stringify(runJson(run, []), null, 2) + '\n' : `canary aborted: ${runLine(run)}\n`);
    });

  change(canary.command('approve <route>').description('let a step held by a manual gate go on'))
    .action(async (route: string, f: Common) => {
      const run = await withStores(f, await configOf(f), (s) => approveCanary(s, route, audit(f)));
      process.stdout.write(f.json ? JSON.stringify(runJson(run, []), null, 2) + '\n' : `step approved: ${runLine(run)}\n`);
    });

  common(canary.command('run').description('run the analysis loop (standalone; `siphon start` runs it as a component) until Ctrl-C'))
    .option('--tick <ms>', 'how often runs are looked at', num('--tick', 10, 60_000, true), 250)
    .action(async (f: Common & { tick: number }) => {
      const config = await configOf(f);
      const stateUrl = f.state ?? config?.state ?? DEFAULT_STATE_URL;
      // like the gateway, the loop may create the store: it starts before anyone sets a route
      const analysis = createAnalysis({ stateUrl, tickMs: f.tick, logger: createLogger('analysis'), ...(config?.analysis ? { config: config.analysis } : {}) });
      await analysis.start();
      await new Promise<void>((resolve) => {
        const stop = () => { void analysis.stop().then(resolve); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
