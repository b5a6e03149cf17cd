import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/load.js';
import { GatewayConfigError } from '../../gateway/errors.js';
import { runGateway } from '../../gateway/run.js';
import { parseRoutes } from '../../gateway/routing/schema.js';
import type { GatewayOverrides } from '../../gateway/settings.js';
import { deprecatedAlias } from '../deprecated.js';
import { DEFAULT_STATE_URL } from '../../state/open.js';
import { bucketMsOf } from '../../control/analysis/config.js';

function int(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function port(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${name} must be a port number from 0 to 65535, got "${v}"`);
    return n;
  };
}

function share(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1, got "${v}"`);
    return n;
  };
}

interface StartFlags {
  config?: string; legacyHttp?: string; nextHttp?: string; legacy2Http?: string; port: number; host: string; adminPort?: number;
  adminTokenFile: string; state?: string; routes?: string; workers: number; diff: boolean; maxBody?: number;
  maxHeader?: number; upstreamTimeout?: number; mirrorTimeout?: number; mirrorQueue?: number; mirrorBodyLimit?: number;
  mirrorRate?: number; mirrorMaxLoad?: number;
  jwtSecretEnv?: string; otlpEndpoint?: string; traceSampleRatio?: number;
  maxHeaderCount?: number; bodyBuffer?: number; minBodyRate?: number; maxConnections?: number; clientShare?: number;
  clientKeyHeader?: string; clientHeaderTimeout?: number; clientRequestTimeout?: number; clientBodyIdle?: number;
  clientSendTimeout?: number; idleTimeout?: number; connections?: number;
}

/** The hostile-client defences (issue 15), each a flag; absent flags keep the defaults of `src/gateway/settings.ts`. */
function limitFlags(flags: StartFlags): Pick<GatewayOverrides, 'limits' | 'timeouts' | 'connections'> {
  const pick = <T>(v: T | undefined, key: string): Record<string, T> => (v === undefined ? {} : { [key]: v });
  return {
    limits: {
      ...pick(flags.maxBody, 'maxBodyBytes'), ...pick(flags.maxHeader, 'maxHeaderSize'), ...pick(flags.maxHeaderCount, 'maxHeaderCount'),
      ...pick(flags.bodyBuffer, 'bodyBufferBytes'), ...pick(flags.minBodyRate, 'minBodyBytesPerSec'),
      ...pick(flags.maxConnections, 'maxClientConnections'), ...pick(flags.clientShare, 'clientShare'),
      ...pick(flags.clientKeyHeader?.toLowerCase(), 'clientKeyHeader'),
    },
    timeouts: {
      ...(flags.upstreamTimeout ? { upstreamHeadersMs: flags.upstreamTimeout, upstreamBodyMs: flags.upstreamTimeout } : {}),
      ...pick(flags.clientHeaderTimeout, 'clientHeadersMs'), ...pick(flags.clientRequestTimeout, 'clientRequestMs'),
      ...pick(flags.clientBodyIdle, 'clientBodyIdleMs'), ...pick(flags.clientSendTimeout, 'clientSendMs'), ...pick(flags.idleTimeout, 'idleMs'),
    },
    ...pick(flags.connections, 'connections'),
  };
}

function clientShareArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError(`--client-share must be a number in (0, 1], got "${v}"`);
  return n;
}

function readRoutesFile(file: string) {
  let data: unknown;
  try { data = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    throw new GatewayConfigError(`cannot read routes JSON: ${(e as Error).message}`, file);
  }
  return parseRoutes(data, file);
}

export function registerGateway(program: Command): void {
  const gateway = program.command('gateway').description('the HTTP gateway in front of legacy and next');
  const start = gateway.command('start');
  for (const [old, now] of [['--legacy', '--legacy-http'], ['--next', '--next-http'], ['--legacy2', '--legacy2-http']] as const) deprecatedAlias(start, old, now);
  start
    .description('run the gateway (routes from the state store, changes applied live)')
    .option('-c, --config <file>', 'migration config: legacy.http, next.http and state are read from it')
    .option('--legacy-http <url>', 'legacy HTTP origin (overrides the config)')
    .option('--next-http <url>', 'next HTTP origin (overrides the config)')
    .option('--legacy2-http <url>', 'second legacy instance, mirrored to for diff noise cancellation')
    .option('--port <n>', 'listen port', port('--port'), 8080)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--admin-port <n>', 'admin port for /metrics and /status (bearer token)', port('--admin-port'))
    .option('--admin-token-file <file>', 'admin token file (generated, mode 0600, when missing; or set SIPHON_ADMIN_TOKEN)', '.siphon/admin-token')
    .option('--state <url>', `state store to follow routes from (default: the config's, else ${DEFAULT_STATE_URL})`)
    .option('--routes <file>', 'static route table (JSON array) instead of the state store')
    .option('--workers <n>', 'worker processes behind the one port', int('--workers', 1), 1)
    .option('--no-diff', 'do not compare mirrored exchanges')
    .option('--max-body <bytes>', 'request body limit (413 beyond)', int('--max-body', 1))
    .option('--max-header <bytes>', 'request header limit (431 beyond)', int('--max-header', 1024))
    .option('--upstream-timeout <ms>', 'upstream headers and body timeout', int('--upstream-timeout', 1))
    .option('--mirror-timeout <ms>', 'deadline of a mirror copy', int('--mirror-timeout', 1))
    .option('--mirror-queue <n>', 'mirror copies queued before dropping', int('--mirror-queue'))
    .option('--mirror-body-limit <bytes>', 'request bodies larger are not mirrored', int('--mirror-body-limit'))
    .option('--mirror-rate <n>', 'mirror copies per second per process at most (0: no cap); the rest are skipped and counted', int('--mirror-rate'))
    .option('--mirror-max-load <share>', 'event-loop utilisation (0–1) above which mirror copies are shed (default 0.5; 0: never shed)', share('--mirror-max-load'))
    .option('--max-header-count <n>', 'header fields per request (431 beyond; default 101)', int('--max-header-count', 1))
    .option('--body-buffer <bytes>', 'request bodies up to this size are read whole before an upstream connection is taken', int('--body-buffer'))
    .option('--min-body-rate <bytes/s>', 'slowest request body accepted after the body idle time (408 below; 0: off)', int('--min-body-rate'))
    .option('--max-connections <n>', 'client connections per process (503 beyond)', int('--max-connections', 1))
    .option('--client-share <share>', "share (0–1] of an upstream pool one client may hold (1: no per-client limit)", clientShareArg)
    .option('--client-key-header <name>', 'header naming the client for --client-share (set by a trusted load balancer); default: the peer address')
    .option('--client-header-timeout <ms>', 'time to receive request headers (slowloris)', int('--client-header-timeout', 1))
    .option('--client-request-timeout <ms>', 'time to receive a whole request', int('--client-request-timeout', 1))
    .option('--client-body-idle <ms>', 'longest silence while a client sends a body', int('--client-body-idle', 1))
    .option('--client-send-timeout <ms>', 'longest wait for a client to read an answer (then cut)', int('--client-send-timeout', 1))
    .option('--idle-timeout <ms>', 'keep-alive idle time on both sides', int('--idle-timeout', 1))
    .option('--connections <n>', 'connections per upstream pool', int('--connections', 1))
    .option('--otlp-endpoint <url>', 'export OpenTelemetry traces over OTLP/HTTP to this collector (e.g. http://127.0.0.1:4318); off by default')
    .option('--trace-sample-ratio <share>', 'share (0–1) of new traces recorded when --otlp-endpoint is given (default 1; a sampled caller is always followed)', share('--trace-sample-ratio'))
    .option('--jwt-secret-env <name>', 'environment variable holding the HS256 secret verifying JWT routing keys')
    .action(async (flags: StartFlags) => {
      const config = flags.config ? await loadConfig(flags.config) : undefined;
      const legacy = flags.legacyHttp ?? config?.legacy.http;
      const next = flags.nextHttp ?? config?.next.http;
      if (!legacy) throw new GatewayConfigError('no legacy origin: give --legacy-http URL or legacy.http in the config', 'gateway start');
      if (!next) throw new GatewayConfigError('no next origin: give --next-http URL or next.http in the config', 'gateway start');
      const jwtSecret = flags.jwtSecretEnv ? process.env[flags.jwtSecretEnv] : undefined;
      if (flags.jwtSecretEnv && !jwtSecret) {
        throw new GatewayConfigError(`environment variable ${flags.jwtSecretEnv} is not set`, '--jwt-secret-env');
      }
      const settings: GatewayOverrides = {
        legacy, next, ...(flags.legacy2Http ? { legacy2: flags.legacy2Http } : {}), ...(jwtSecret ? { jwtSecret } : {}),
        ...limitFlags(flags),
        mirror: {
          ...(flags.mirrorTimeout ? { timeoutMs: flags.mirrorTimeout } : {}),
          ...(flags.mirrorQueue !== undefined ? { queueMax: flags.mirrorQueue } : {}),
          ...(flags.mirrorBodyLimit !== undefined ? { requestBodyLimit: flags.mirrorBodyLimit } : {}),
          ...(flags.mirrorRate !== undefined ? { maxPerSecond: flags.mirrorRate } : {}),
          ...(flags.mirrorMaxLoad !== undefined ? { maxLoad: flags.mirrorMaxLoad } : {}),
        },
      };
      if (flags.traceSampleRatio !== undefined && !flags.otlpEndpoint) throw new GatewayConfigError('needs --otlp-endpoint', '--trace-sample-ratio');
      if (flags.otlpEndpoint && !/^https?:\/\/[^/]/.test(flags.otlpEndpoint)) throw new GatewayConfigError(`expected an http:// or https:// URL, got "${flags.otlpEndpoint}"`, '--otlp-endpoint');
      // every cluster worker runs this action too: each exports its own spans (the SDK is loaded only when asked for)
      const tracing = flags.otlpEndpoint ? (await import('../../observe/tracing.js')).startTracing({
        endpoint: flags.otlpEndpoint, sampleRatio: flags.traceSampleRatio ?? 1, serviceName: 'siphon-gateway',
      }) : undefined;
      const staticRoutes = flags.routes ? readRoutesFile(flags.routes) : undefined;
      const stateUrl = staticRoutes ? undefined : (flags.state ?? config?.state ?? DEFAULT_STATE_URL);
      // Owner routes aspire on first touch through the process that runs the data path (`siphon migrate`), and need
      // the config's entities to turn a URL's key into the ledger's (42 → int:42): both come from connectAspirer.
      const entities = config ? Object.keys(config.entities).length : 0;
      const owner = config && entities > 0 && stateUrl ? {
        aspirer: async () => {
          const { connectAspirer } = await import('../../aspire/remote.js');
          try { return await connectAspirer({ config }); } catch (e) {
            process.stderr.write(`siphon: owner routes will not aspire (${(e as Error).message}); entities not in next are served by legacy\n`);
            return undefined;
          }
        },
      } : undefined;
      const running = await runGateway({
        gateway: settings, port: flags.port, host: flags.host, adminTokenFile: flags.adminTokenFile,
        ...(flags.adminPort !== undefined ? { adminPort: flags.adminPort } : {}),
        ...(process.env.SIPHON_ADMIN_TOKEN ? { adminToken: process.env.SIPHON_ADMIN_TOKEN } : {}),
        ...(stateUrl ? { stateUrl } : {}), ...(staticRoutes ? { staticRoutes } : {}),
        workers: flags.workers, diff: flags.diff, ...(owner ? { owner } : {}),
        ...(config?.analysis ? { routeStats: { bucketMs: bucketMsOf(config.analysis) } } : {}),
      });
      await new Promise<void>((resolve) => {
        const stop = () => { void running.stop().then(() => tracing?.shutdown()).then(resolve, resolve); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
