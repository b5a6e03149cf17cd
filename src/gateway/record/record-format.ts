import { z } from 'zod';
import type { CapturedResponse, Exchange } from '../exchange.js';
import { parseJson, stringify } from '../diff/json-value.js';
import type { Redactor } from '../diff/redact.js';
import { RecordingFormatError } from './errors.js';

/**
 * One recorded exchange per line (JSON lines), version 1. Bodies are `{text}` (UTF-8) or `{base64}` (binary); JSON
 * bodies are stored redacted and re-serialised compactly (numbers keep their source text). Secrets never reach the
 * file: sensitive headers are `***`, PII fields `"***"`, patterns replaced by markers (see `Redactor`).
 * A body longer than the recorder's limit is left out and `truncated` is set (replay does not compare it).
 */
const bodySchema = z.union([z.object({ text: z.string() }).strict(), z.object({ base64: z.string() }).strict()]);
const headersSchema = z.record(z.string(), z.string());
const responseSchema = z.object({
  status: z.number().int().min(0).max(999),
  headers: headersSchema,
  body: bodySchema.optional(),
  truncated: z.boolean(),
  error: z.string().optional(),
  durationMs: z.number().min(0),
}).strict();
export const recordedExchangeSchema = z.object({
  v: z.literal(1),
  at: z.number(),
  traceId: z.string(),
  routeId: z.string(),
  endpoint: z.string().min(1),
  request: z.object({
    method: z.string().regex(/^[A-Z]+$/, 'an upper-case HTTP method'),
    url: z.string().startsWith('/', 'a path starting with "/"'),
    headers: headersSchema,
    body: bodySchema.optional(),
  }).strict(),
  legacy: responseSchema,
  next: responseSchema.optional(),
  legacy2: responseSchema.optional(),
}).strict();

export type RecordedBody = z.infer<typeof bodySchema>;
export type RecordedResponse = z.infer<typeof responseSchema>;
export type RecordedExchange = z.infer<typeof recordedExchangeSchema>;

export interface EncodeOptions {
  readonly redactor: Redactor;
  /** Bodies longer than this are left out (`truncated`); default 256 KiB. */
  readonly maxBodyBytes?: number;
}

function isTextual(contentType: string | undefined, body: Buffer): boolean {
  if (contentType && /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-www-form-urlencoded|javascript))/i.test(contentType)) return true;
  if (body.includes(0)) return false;
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

/** Redacts and encodes a body; JSON is redacted field by field, other text by patterns, binary kept as is. */
export function encodeBody(body: Buffer, contentType: string | undefined, r: Redactor): RecordedBody {
  if (!isTextual(contentType, body)) return { base64: body.toString('base64') };
  const text = body.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || /json/i.test(contentType ?? '')) {
    try {
      // deep limit well above real payloads, so field-name redaction reaches every level
      return { text: stringify(r.json(parseJson(text, { maxDepth: 512, maxNodes: 2_000_000 }).root)) };
    } catch {
      // not JSON after all: fall through to text redaction
    }
  }
  return { text: r.text(text) };
}

export function decodeBody(b: RecordedBody | undefined): Buffer {
  if (!b) return Buffer.alloc(0);
  return 'text' in b ? Buffer.from(b.text, 'utf8') : Buffer.from(b.base64, 'base64');
}

export function encodeResponse(res: CapturedResponse, o: EncodeOptions): RecordedResponse {
  const max = o.maxBodyBytes ?? 256 * 1024;
  const tooLong = res.truncated || res.body.length > max;
  const out: RecordedResponse = {
    status: res.status, headers: o.redactor.headerMap(res.headers), truncated: tooLong, durationMs: Math.round(res.durationMs * 1000) / 1000,
  };
  if (!tooLong && res.body.length > 0) out.body = encodeBody(res.body, res.headers['content-type'], o.redactor);
  if (res.error !== undefined) out.error = o.redactor.text(res.error);
  return out;
}

export function decodeResponse(r: RecordedResponse): CapturedResponse {
  return { status: r.status, headers: r.headers, body: decodeBody(r.body), truncated: r.truncated, durationMs: r.durationMs,
    ...(r.error !== undefined ? { error: r.error } : {}) };
}

export function encodeExchange(ex: Exchange, o: EncodeOptions & { readonly includeNext?: boolean }): RecordedExchange {
  const max = o.maxBodyBytes ?? 256 * 1024;
  const req = ex.request;
  const request: RecordedExchange['request'] = { method: req.method, url: o.redactor.url(req.url), headers: o.redactor.headerMap(req.headers) };
  // A request body over the limit cannot be replayed faithfully: it is left out and the line says so in a header.
  if (req.body && req.body.length > 0) {
    if (req.body.length <= max) request.body = encodeBody(req.body, req.headers['content-type'], o.redactor);
    else request.headers['x-siphon-recorded-body'] = `omitted ${req.body.length} bytes`;
  }
  const out: RecordedExchange = {
    v: 1, at: ex.at, traceId: ex.traceId, routeId: ex.routeId, endpoint: ex.endpoint, request, legacy: encodeResponse(ex.legacy, o),
  };
  if (o.includeNext !== false) out.next = encodeResponse(ex.next, o);
  if (ex.legacy2) out.legacy2 = encodeResponse(ex.legacy2, o);
  return out;
}

/** Parses and validates one line; errors say `file:line` and which field is wrong. */
export function parseRecordedLine(line: string, file: string, lineNo: number): RecordedExchange {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new RecordingFormatError(file, lineNo, `not JSON (${(e as Error).message})`);
  }
  const r = recordedExchangeSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(line)';
    throw new RecordingFormatError(file, lineNo, `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}
