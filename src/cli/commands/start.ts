import { Command, InvalidArgumentError, Option } from 'commander';
import { START_ROLES, type ControlComponents, type StartRole } from '../../control/start/plan.js';
import { runStart } from '../../control/start/run-start.js';
import { untilSignalled } from '../../capture/run.js';
import { migrationConfig } from '../../migrate/sources.js';
import { out } from '../output.js';

interface Flags { config?: string; role?: StartRole; json?: boolean; healthPort?: number }

function port(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number from 0 to 65535, found "${v}"`);
  return n;
}

/**
 * `siphon start -c FILE [--role R]`: the production entry point. Runs the configured components (gateway, migration,
 * control) under one supervisor until SIGTERM/SIGINT, which drains: readiness goes 503, in-flight requests finish,
 * capture and apply stop at a checkpoint; exit 0 after a clean drain. `control` gives the control-role components
 * (admin API, canary analysis) when they are wired in.
 */
export function registerStart(program: Command, control?: ControlComponents): void {
  program.command('start')
    .description('run every configured component (gateway, migration: capture + apply + backfill, control) under one supervisor, with /healthz, /readyz, /status and /metrics on the health port; SIGTERM drains and stops at a checkpoint')
    .option('-c, --config <file>', 'the migration config (default siphon.config.ts when present); its `start` section says what runs and how')
    .addOption(new Option('--role <role>', 'run one role in this process (deployments that split them)').choices(START_ROLES))
    .option('--health-port <n>', 'port of /healthz, /readyz, /status and /metrics (overrides start.health.port; 0: any free port)', port)
    .option('--json', 'one JSON line per event (started, stopped) on stdout')
    .addHelpText('after', '\nExit codes: 0 stopped cleanly after SIGTERM/SIGINT, 1 could not start or did not stop cleanly, 2 bad usage or configuration.')
    .action(async (f: Flags) => {
      const config = await migrationConfig(f.config);
      const running = await runStart({
        config, ...(f.role ? { role: f.role } : {}), ...(f.healthPort !== undefined ? { healthPort: f.healthPort } : {}),
        ...(control ? { control } : {}),
      });
      const started = { event: 'started', roles: running.roles, healthPort: running.healthPort, components: running.status().components.map((c) => ({ name: c.name, state: c.state })) };
      if (f.json) out(JSON.stringify(started));
      else out(`siphon started: ${running.roles.join(', ')} (health, status and metrics on port ${running.healthPort}); SIGTERM or Ctrl-C drains and stops`);
      const signal = await untilSignalled();
      if (!f.json) out(`\n${signal}: draining…`);
      await running.stop();
      const last = running.status();
      if (f.json) out(JSON.stringify({ event: 'stopped', signal, components: last.components.map((c) => ({ name: c.name, state: c.state, failures: c.failures, restarts: c.restarts })) }));
      else out('stopped cleanly');
      // Everything is stopped and checkpointed: a handle some library left open must not hold the process (a
      // supervisor waiting for the exit would SIGKILL it and count a crash). Unref'd: a clean exit comes first.
      setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    });
}
