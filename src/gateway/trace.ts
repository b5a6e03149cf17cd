/**
 * W3C Trace Context (`traceparent: 00-<trace-id 32 hex>-<parent-id 16 hex>-<flags 2 hex>`). The gateway keeps the
 * caller's trace id (or starts a trace), and sends each upstream call with its own span id: the primary call gets the
 * gateway's span, the mirror copy a fresh span id, i.e. a child span of the same trace. Ids come from Math.random:
 * trace ids need uniqueness, not secrecy, and crypto per request costs throughput.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

export interface TraceContext {
  readonly traceId: string;
  readonly flags: string;
}

function hex8(): string {
  return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
}

const PREFIX = hex8();
const TRACE_PREFIX = hex8() + hex8() + hex8();
let counter = (Math.random() * 0x100000000) >>> 0;

/** Two hex digits per byte value: ids are built by lookup (toString(16) and padStart cost more, twice per request). */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function nextHex8(): string {
  const c = counter = (counter + 1) >>> 0;
  return HEX[c >>> 24]! + HEX[(c >>> 16) & 255]! + HEX[(c >>> 8) & 255]! + HEX[c & 255]!;
}

/** Never all zeros (invalid in W3C): the counter part may be 0, the random prefix would have to be too. */
export function newSpanId(): string {
  const s = PREFIX + nextHex8();
  return s === '0000000000000000' ? '0000000000000001' : s;
}

export function newTraceId(): string {
  return TRACE_PREFIX + nextHex8();
}

/** The incoming trace, or a new sampled one when the header is absent or invalid. */
export function traceFrom(header: string | string[] | undefined): TraceContext {
  const h = Array.isArray(header) ? header[0] : header;
  if (h) {
    const m = TRACEPARENT.exec(h.trim());
    if (m && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!)) return { traceId: m[2]!, flags: m[4]! };
  }
  return { traceId: newTraceId(), flags: '01' };
}

export function traceparent(ctx: TraceContext, spanId: string): string {
  return `00-${ctx.traceId}-${spanId}-${ctx.flags}`;
}
