import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/load.js';
import { RecordConfigError } from '../../gateway/record/errors.js';
import { startRecording } from '../../gateway/record/record-mode.js';
import { parseSampling } from '../../gateway/record/sampler.js';
import { deprecatedAlias } from '../deprecated.js';
import { parseRoutes } from '../../gateway/routing/schema.js';

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
    return n;
  };
}
function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0-65535, got "${v}"`);
  return n;
}

interface RecordFlags {
  config?: string; legacyHttp?: string; nextHttp?: string; mirrorTo: string; out: string; sample: string; duration?: number;
  port: number; host: string; routes?: string; maxFileBytes?: number; maxFiles?: number; maxBody?: number;
}

export function registerRecord(program: Command): void {
  const record = program.command('record');
  deprecatedAlias(record, '--legacy', '--legacy-http');
  deprecatedAlias(record, '--next', '--next-http');
  record
    .description('run the gateway in record mode: users are answered by legacy, sampled exchanges are stored (redacted) for `siphon replay`')
    .option('-c, --config <file>', 'migration config: legacy.http and next.http are read from it')
    .option('--legacy-http <url>', 'legacy HTTP origin (overrides the config)')
    .option('--next-http <url>', 'next HTTP origin (overrides the config; used with --mirror-to next)')
    .option('--mirror-to <side>', 'copy each recorded request to "legacy" (a second legacy answer, for noise cancellation), "next", or "none" (legacy called once)', 'legacy')
    .requiredOption('--out <file>', 'recording file (JSON lines); rotated to FILE.1, FILE.2... by size')
    .option('--sample <r>', 'share of requests recorded: a rate (0.1) or one in N (1/20)', '1')
    .option('--duration <s>', 'stop after this many seconds (default: until SIGINT/SIGTERM)', positive('--duration'))
    .option('--port <n>', 'listen port (0: any free port)', port, 8080)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--routes <file>', 'route table (JSON array); default: every GET/HEAD/OPTIONS request, endpoints named from the path')
    .option('--max-file-bytes <n>', 'rotate the recording at this size (default 64 MiB)', positive('--max-file-bytes'))
    .option('--max-files <n>', 'recording files kept, current included (default 5)', positive('--max-files'))
    .option('--max-body <bytes>', 'bodies longer than this are left out of the recording (default 256 KiB)', positive('--max-body'))
    .action(async (flags: RecordFlags) => {
      const mirrorTo = flags.mirrorTo;
      if (mirrorTo !== 'legacy' && mirrorTo !== 'next' && mirrorTo !== 'none') throw new RecordConfigError('--mirror-to', `must be "legacy", "next" or "none", got "${mirrorTo}"`);
      const sampling = parseSampling(flags.sample);
      const config = flags.config ? await loadConfig(flags.config) : undefined;
      const legacy = flags.legacyHttp ?? config?.legacy.http;
      if (!legacy) throw new RecordConfigError('record', 'no legacy origin: give --legacy-http URL or legacy.http in the config');
      const next = flags.nextHttp ?? config?.next.http;
      let routes;
      if (flags.routes) {
        let data: unknown;
        try { data = JSON.parse(readFileSync(flags.routes, 'utf8')); } catch (e) {
          throw new RecordConfigError('--routes', `cannot read ${flags.routes} as JSON: ${(e as Error).message}`);
        }
        routes = parseRoutes(data, flags.routes);
      }
      const session = await startRecording({
        legacy, ...(next ? { next } : {}), mirrorTo, out: flags.out, sampling, port: flags.port, host: flags.host,
        ...(routes ? { routes } : {}),
        ...(flags.maxFileBytes ? { maxBytes: flags.maxFileBytes } : {}), ...(flags.maxFiles ? { maxFiles: Math.floor(flags.maxFiles) } : {}),
        ...(flags.maxBody ? { maxBodyBytes: flags.maxBody } : {}),
      });
      process.stderr.write(`siphon record: listening on ${flags.host}:${session.port}, legacy ${new URL(legacy).origin}, recording to ${flags.out}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          if (timer) clearTimeout(timer);
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        const timer = flags.duration ? setTimeout(stop, flags.duration * 1000) : undefined;
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      const s = await session.stop();
      process.stdout.write(`${JSON.stringify({ out: flags.out, ...s })}\n`);
    });
}
