import { existsSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { formatReport } from '../../gateway/diff/report-text.js';
import { RecordConfigError } from '../../gateway/record/errors.js';
import { replay } from '../../gateway/record/replayer.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../exit-codes.js';

function positive(name: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
    }
    return n;
  };
}
const percent = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError(`${name} must be a percentage 0-100, got "${v}"`);
  return n;
};
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface ReplayFlags {
  to: string; rate?: number; concurrency: number; allowWrites?: boolean; header?: string[]; ignore?: string[];
  keyed?: string[]; compareHeader?: string[]; relative?: number; absolute?: number; timeout: number; limit?: number;
  json?: boolean; showNoise?: boolean;
}

function parseHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((h, i) => {
    const c = h.indexOf(':');
    if (c <= 0) throw new RecordConfigError(`--header[${i}]`, `"${h}" is not "Name: value"`);
    out[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
  });
  return out;
}

function parseKeyed(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((k, i) => {
    const eq = k.lastIndexOf('=');
    if (eq <= 0 || eq === k.length - 1) throw new RecordConfigError(`--keyed[${i}]`, `"${k}" is not "ARRAY_PATH=ID_FIELD" (e.g. $.invoices=id)`);
    out[k.slice(0, eq)] = k.slice(eq + 1);
  });
  return out;
}

export function registerReplay(program: Command): void {
  program.command('replay')
    .description('replay recorded requests to next and diff its answers against the recorded legacy answers')
    .argument('<files...>', 'recordings written by `siphon record` (JSON lines; rotated parts too, oldest first)')
    .requiredOption('--to <url>', 'next base URL, e.g. http://127.0.0.1:8081')
    .option('--rate <n>', 'requests per second, paced evenly (open loop); default: as fast as --concurrency allows', positive('--rate', false))
    .option('--concurrency <n>', 'requests in flight at most', positive('--concurrency', true), 16)
    .option('--allow-writes', 'also replay non-safe methods (POST, PUT, PATCH, DELETE...), with X-Siphon-Dry-Run: 1')
    .option('--header <h>', 'extra request header "Name: value" (repeatable), e.g. credentials the recording redacted', collect)
    .option('--ignore <path>', 'ignore differences under this field path prefix (repeatable), e.g. $.generatedAt', collect)
    .option('--keyed <spec>', 'compare an array by an id field instead of by index (repeatable), e.g. $.invoices=id', collect)
    .option('--compare-header <name>', 'response header to compare (repeatable; default content-type)', collect)
    .option('--relative <pct>', 'noise cancellation relative threshold (Diffy; default 20)', percent('--relative'))
    .option('--absolute <pct>', 'noise cancellation absolute threshold (Diffy; default 0.03)', percent('--absolute'))
    .option('--timeout <ms>', 'per-request deadline', positive('--timeout', true), 10_000)
    .option('--limit <n>', 'replay at most this many recorded lines', positive('--limit', true))
    .option('--show-noise', 'also list the fields judged to be noise')
    .option('--json', 'print the result as JSON')
    .action(async (files: string[], flags: ReplayFlags) => {
      for (const f of files) {
        if (!existsSync(f) || !statSync(f).isFile()) throw new RecordConfigError('replay', `recording ${f} does not exist or is not a file`);
      }
      const result = await replay({
        files, to: flags.to, concurrency: flags.concurrency, timeoutMs: flags.timeout,
        ...(flags.rate !== undefined ? { rate: flags.rate } : {}),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        allowWrites: flags.allowWrites === true,
        headers: parseHeaders(flags.header ?? []),
        diff: { keyedArrays: parseKeyed(flags.keyed ?? []), ...(flags.compareHeader ? { compareHeaders: flags.compareHeader } : {}) },
        noise: {
          ignore: flags.ignore ?? [],
          ...(flags.relative !== undefined ? { relativeThreshold: flags.relative } : {}),
          ...(flags.absolute !== undefined ? { absoluteThreshold: flags.absolute } : {}),
        },
      });
      const ok = result.report.compatible === result.report.compared && result.failed === 0 && result.invalidLines === 0;
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const r = result;
        process.stdout.write([
          `replayed ${r.sent} requests to ${flags.to} in ${(r.durationMs / 1000).toFixed(1)} s (${r.achievedRate.toFixed(1)} req/s${flags.rate ? `, target ${flags.rate}` : ''}); ` +
            `${r.failed} without answer, ${r.skippedWrites} writes skipped${r.skippedWrites ? ' (--allow-writes)' : ''}, ${r.stalled} stalled, ${r.invalidLines} invalid lines`,
          ...r.errors.map((e) => `  error: ${e}`),
          formatReport(r.report, { showNoise: flags.showNoise === true }),
        ].join('\n') + '\n');
      }
      process.exitCode = ok ? EXIT_OK : EXIT_PROBLEMS;
    });
}
