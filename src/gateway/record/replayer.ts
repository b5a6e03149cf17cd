import { Pool } from 'undici';
import { DiffAggregator, type AggregatorOptions } from '../diff/aggregate.js';
import type { DiffReport } from '../diff/report.js';
import { Redactor } from '../diff/redact.js';
import type { CapturedResponse, Exchange } from '../exchange.js';
import { RecordConfigError, RecordingFormatError } from './errors.js';
import { readLines } from './read-lines.js';
import { decodeBody, decodeResponse, encodeResponse, parseRecordedLine, type RecordedExchange } from './record-format.js';

/** Methods without side effects (RFC 9110 §9.2.1); everything else is a write and is replayed only when allowed. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const NOT_FORWARDED = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer',
  'upgrade', 'expect', 'proxy-connection', 'traceparent', 'x-siphon-recorded-body']);

export interface ReplayOptions extends AggregatorOptions {
  readonly files: readonly string[];
  /** Base URL of next; its path (if any) prefixes every recorded URL. */
  readonly to: string;
  /** Requests per second, paced evenly (open loop). Absent: as fast as `concurrency` allows. */
  readonly rate?: number;
  /** Requests in flight at most (default 16). */
  readonly concurrency?: number;
  /** Replay non-safe methods too, with `X-Siphon-Dry-Run: 1`. */
  readonly allowWrites?: boolean;
  /** Extra request headers (e.g. credentials that the recording redacted). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request deadline (default 10 s). */
  readonly timeoutMs?: number;
  /** Bodies of next's answers kept for the diff (default 256 KiB; longer: not compared). */
  readonly maxBodyBytes?: number;
  /** Stop after this many lines were read (default: all). */
  readonly limit?: number;
}

export interface ReplayResult {
  readonly report: DiffReport;
  /** Requests sent to next. */
  readonly sent: number;
  /** Requests that got no answer (connection error, timeout). */
  readonly failed: number;
  readonly skippedWrites: number;
  /** Invalid lines (first 20 kept), with `file:line`. */
  readonly invalidLines: number;
  readonly errors: readonly string[];
  /** Requests that started later than their slot because `concurrency` requests were still in flight. */
  readonly stalled: number;
  readonly durationMs: number;
  readonly achievedRate: number;
}

/**
 * Replays recorded requests to next and diffs next's answers against the recorded legacy answers with the same diff
 * engine and noise rules as the gateway (a recorded legacy2 answer gives noise data). Next's answers are redacted
 * exactly as the recorder redacted legacy's, so redacted fields compare equal instead of differing. Open loop: request
 * k starts at t0 + k/rate whatever the previous ones are doing, unless `concurrency` are in flight (then it waits and
 * is counted as stalled).
 */
export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const base = checkTarget(o.to);
  if (o.rate !== undefined && !(o.rate > 0 && Number.isFinite(o.rate))) throw new RecordConfigError('--rate', `must be a positive number of requests per second, got ${o.rate}`);
  const concurrency = o.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RecordConfigError('--concurrency', `must be a positive integer, got ${concurrency}`);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxBody = o.maxBodyBytes ?? 256 * 1024;
  const aggregator = new DiffAggregator(o);
  const redactor = new Redactor(o.redact);
  const pool = new Pool(base.origin, { connections: concurrency, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  const errors: string[] = [];
  let sent = 0, failed = 0, skippedWrites = 0, invalid = 0, stalled = 0, read = 0;
  let inFlight = 0;
  let slotFree: (() => void) | undefined;
  const started = performance.now();
  const running = new Set<Promise<void>>();

  const one = async (rec: RecordedExchange): Promise<void> => {
    const write = !SAFE_METHODS.has(rec.request.method);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec.request.headers)) if (!NOT_FORWARDED.has(k) && v !== '***') headers[k] = v;
    Object.assign(headers, lowerKeys(o.headers ?? {}));
    headers['x-siphon-replay'] = '1';
    headers.traceparent = `00-${/^[0-9a-f]{32}$/.test(rec.traceId) ? rec.traceId : randomHex(32)}-${randomHex(16)}-01`;
    if (write) headers['x-siphon-dry-run'] = '1';
    const answer = await send(pool, base.prefix + rec.request.url, rec.request.method, headers, rec.request.body ? decodeBody(rec.request.body) : undefined, maxBody);
    if (answer.error !== undefined) {
      failed++;
      if (errors.length < 20) errors.push(`${rec.request.method} ${rec.request.url}: no answer from next: ${answer.error}`);
    }
    // next's answer goes through the recorder's own encoding (redaction) so both sides are compared alike
    const next = decodeResponse(encodeResponse(answer, { redactor, maxBodyBytes: maxBody }));
    const ex: Exchange = {
      routeId: rec.routeId, endpoint: rec.endpoint,
      request: { method: rec.request.method, url: rec.request.url, headers: rec.request.headers },
      legacy: decodeResponse(rec.legacy), next, ...(rec.legacy2 ? { legacy2: decodeResponse(rec.legacy2) } : {}),
      traceId: rec.traceId, at: Date.now(),
    };
    aggregator.observe(ex);
  };

  try {
    outer: for (const file of o.files) {
      for await (const { line, lineNo } of readLinesChecked(file)) {
        if (o.limit !== undefined && read >= o.limit) break outer;
        if (line.trim() === '') continue;
        read++;
        let rec: RecordedExchange;
        try {
          rec = parseRecordedLine(line, file, lineNo);
        } catch (e) {
          invalid++;
          if (errors.length < 20) errors.push((e as Error).message);
          continue;
        }
        if (!SAFE_METHODS.has(rec.request.method) && !o.allowWrites) { skippedWrites++; continue; }
        if (o.rate !== undefined) {
          const due = started + (sent * 1000) / o.rate;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        }
        if (inFlight >= concurrency) {
          stalled++;
          while (inFlight >= concurrency) await new Promise<void>((r) => { slotFree = r; });
        }
        inFlight++;
        sent++;
        const p: Promise<void> = one(rec).catch((e: Error) => {
          failed++;
          if (errors.length < 20) errors.push(`${rec.request.method} ${rec.request.url}: ${e.message}`);
        }).finally(() => {
          inFlight--;
          running.delete(p);
          const f = slotFree;
          slotFree = undefined;
          f?.();
        });
        running.add(p);
      }
    }
    await Promise.all(running);
  } finally {
    await pool.close();
  }
  const durationMs = performance.now() - started;
  return { report: aggregator.report(), sent, failed, skippedWrites, invalidLines: invalid, errors, stalled,
    durationMs, achievedRate: durationMs > 0 ? (sent * 1000) / durationMs : 0 };
}

async function* readLinesChecked(file: string): AsyncGenerator<{ line: string; lineNo: number }> {
  try {
    yield* readLines(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') throw new RecordingFormatError(file, 0, `cannot read: ${err.code}`);
    throw e;
  }
}

function checkTarget(to: string): { origin: string; prefix: string } {
  let u: URL;
  try { u = new URL(to); } catch { throw new RecordConfigError('--to', `not a URL: ${JSON.stringify(to)}`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RecordConfigError('--to', `must be http:// or https://, got ${u.protocol}`);
  if (u.username || u.password) throw new RecordConfigError('--to', 'credentials in the URL are not supported; use --header');
  return { origin: u.origin, prefix: u.pathname.replace(/\/$/, '') };
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** Sends one request and keeps at most `max` body bytes (more: `truncated`, the rest is discarded). */
async function send(pool: Pool, path: string, method: string, headers: Record<string, string>, body: Buffer | undefined,
  max: number): Promise<CapturedResponse> {
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: method as 'GET', headers, body: body ?? null });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      if (size + b.length > max) { truncated = true; chunks.push(b.subarray(0, max - size)); size = max; res.body.destroy(); break; }
      chunks.push(b);
      size += b.length;
    }
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(k === 'set-cookie' ? '\n' : ', ') : v;
    return { status: res.statusCode, headers: h, body: Buffer.concat(chunks, size), truncated, durationMs: performance.now() - t0 };
  } catch (e) {
    return { status: 0, headers: {}, body: Buffer.alloc(0), truncated: false, durationMs: performance.now() - t0, error: (e as Error).message };
  }
}
