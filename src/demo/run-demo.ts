/**
 * `siphon demo`: the migration story on embedded SQLite, as ordered steps. Every step's cleanup runs at the end
 * (reverse order), also when a step fails, so the demo never leaves a port or a file handle open.
 */
import { join } from 'node:path';
import { SiphonError } from '../errors.js';
import type { DemoContext, DemoOptions, DemoReport, DemoStep, DemoStepReport } from './types.js';
import { DEMO_STEPS } from './steps/index.js';

/**
 * The fewest customers the story can be told with: the migrate step pauses the backfill inside the customers table,
 * copied in chunks of a twelfth of it, so that a dozen chunks leave room for the pause to land half-way.
 */
export const MIN_DEMO_CUSTOMERS = 24;

export const DEFAULT_DEMO_OPTIONS: Omit<DemoOptions, 'dir'> = { customers: 500, seed: 1, dirty: 0.02, trafficSeconds: 3, rate: 40, keep: false, verbose: true };

export interface RunDemoHooks {
  /** Called after each step (for live output). */
  onStep?(report: DemoStepReport): void;
  /** Called once every step ran, before cleanup; `--keep` waits here. */
  beforeClose?(ctx: DemoContext): Promise<void>;
}

export async function runDemo(options: DemoOptions, hooks: RunDemoHooks = {}, steps: readonly DemoStep[] = DEMO_STEPS): Promise<DemoReport> {
  const started = Date.now();
  const cleanups: (() => Promise<void>)[] = [];
  const ctx: DemoContext = {
    options,
    legacyUrl: options.legacyDb ?? `sqlite:${join(options.dir, 'legacy.sqlite')}`,
    nextUrl: options.nextDb ?? `sqlite:${join(options.dir, 'next.sqlite')}`,
    logUrl: `sqlite:${join(options.dir, 'log.sqlite')}`,
    stateUrl: `sqlite:${join(options.dir, 'state.sqlite')}`,
    sampleCustomers: [],
    story: {},
    legacyWrites: {},
    onClose: (fn) => { cleanups.push(fn); },
    log: (line) => { if (options.verbose) process.stderr.write(`${line}\n`); },
  };
  const reports: DemoStepReport[] = [];
  let ok = true;
  try {
    for (const step of steps) {
      const t = Date.now();
      ctx.log(`… ${step.title}`);
      let report: DemoStepReport;
      try {
        const out = await step.run(ctx);
        report = { id: step.id, title: step.title, ok: true, durationMs: Date.now() - t, ...out };
      } catch (e) {
        ok = false;
        const code = e instanceof SiphonError ? { errorCode: e.code } : {};
        report = { id: step.id, title: step.title, ok: false, durationMs: Date.now() - t, summary: 'failed', error: (e as Error)?.message ?? String(e), ...code };
      }
      reports.push(report);
      hooks.onStep?.(report);
      if (!report.ok) break;
    }
    if (ok && hooks.beforeClose) await hooks.beforeClose(ctx);
  } finally {
    for (const fn of cleanups.reverse()) {
      try { await fn(); } catch (e) { ctx.log(`cleanup failed: ${(e as Error)?.message ?? String(e)}`); }
    }
  }
  return { ok, story: ctx.story, dir: options.dir, steps: reports, durationMs: Date.now() - started };
}
