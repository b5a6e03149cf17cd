import type { ResolvedConfig } from '../../config/types.js';
import { exitCodeFor, EXIT_USAGE } from '../../cli/exit-codes.js';
import { configureLogs, createLogger, redactSecrets, type Logger } from '../../observe/logger.js';
import { enableDefaultMetrics } from '../../observe/metrics.js';
import type { Tracing } from '../../observe/tracing.js';
import { createHealthServer } from '../supervisor/health-server.js';
import { DEFAULT_BACKOFF } from '../supervisor/backoff.js';
import { Supervisor, type SupervisorStatus } from '../supervisor/supervisor.js';
import { DEFAULT_HEALTH_PORT, NO_CONTROL, planStart, rolesFor, type ControlComponents, type StartRole } from './plan.js';

export interface StartOptions {
  readonly config: ResolvedConfig;
  /** One role for this process (deployments that split them); default: the config's roles, else all it can run. */
  readonly role?: StartRole;
  /** Overrides `start.health.port` (0: any free port). */
  readonly healthPort?: number;
  readonly control?: ControlComponents;
  readonly log?: Logger;
}

export interface RunningStart {
  readonly roles: readonly StartRole[];
  readonly healthPort: number;
  status(): SupervisorStatus;
  /**
   * The SIGTERM path: `/readyz` turns 503 at once (load balancers stop sending), the process keeps serving for
   * `start.drain.delayMs`, then stops every component, the gateway first (in-flight requests finish), the migration
   * after (capture appended, apply and backfill at a checkpoint).
   */
  stop(): Promise<void>;
}

/**
 * `siphon start`: every configured component under one supervisor, with the health port (`/healthz`, `/readyz`,
 * `/status`, `/metrics`) and, when configured, OTLP traces. Resolves once the health port listens and every component
 * was given its first start (a component that could not start is already backing off; a configuration error fails).
 */
export async function runStart(o: StartOptions): Promise<RunningStart> {
  const s = o.config.start ?? {};
  configureLogs({ ...(s.logs?.redact ? { redact: s.logs.redact } : {}) });
  const log = o.log ?? createLogger('start');
  enableDefaultMetrics();
  // the SDK is loaded only when tracing is configured: every other process stays free of it
  const tracing: Tracing | null = s.tracing ? (await import('../../observe/tracing.js')).startTracing({
    endpoint: s.tracing.endpoint, sampleRatio: s.tracing.sampleRatio ?? 1, serviceName: s.tracing.serviceName ?? `siphon-${o.config.name}`,
  }) : null;
  const control = o.control ?? NO_CONTROL;
  const roles = rolesFor(o.config, o.role, control);
  let supervisor: Supervisor | undefined;
  let health: ReturnType<typeof createHealthServer> | undefined;
  try {
    const plan = planStart(o.config, roles, control, log);
    supervisor = new Supervisor(plan.components, {
      log, redact: redactSecrets, fatal: (e) => exitCodeFor(e) === EXIT_USAGE,
      backoff: { ...DEFAULT_BACKOFF, ...(s.restart?.initialMs ? { initialMs: s.restart.initialMs } : {}), ...(s.restart?.maxMs ? { maxMs: s.restart.maxMs } : {}) },
    });
    const sup = supervisor;
    health = createHealthServer({ status: () => sup.status() });
    const addr = await health.listen(o.healthPort ?? s.health?.port ?? DEFAULT_HEALTH_PORT, s.health?.host ?? '127.0.0.1');
    await sup.start();
    log.info({ roles, healthPort: addr.port, components: plan.components.map((c) => c.name) }, 'siphon started');
    const h = health;
    let stopping: Promise<void> | undefined;
    return {
      roles, healthPort: addr.port, status: () => sup.status(),
      stop: () => (stopping ??= (async () => {
        sup.drain();
        const delay = s.drain?.delayMs ?? 0;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        await sup.stop();
        await h.close();
        await tracing?.shutdown();
        log.info('siphon stopped');
      })()),
    };
  } catch (e) {
    await supervisor?.stop().catch(() => undefined);
    await health?.close().catch(() => undefined);
    await tracing?.shutdown().catch(() => undefined);
    throw e;
  }
}
