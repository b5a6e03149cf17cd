import { describe, expect, it } from 'vitest';
import { BodyCapture } from '../../src/gateway/capture.js';
import { clientResponseHeaders, headerMap, upstreamRequestHeaders, withTraceparent } from '../../src/gateway/headers.js';
import { newSpanId, newTraceId, traceFrom, traceparent } from '../../src/gateway/trace.js';

const raw = (...pairs: string[]) => pairs;

describe('response headers', () => {
  it('drops hop-by-hop headers and those named in Connection, keeps the rest in order', () => {
    expect(clientResponseHeaders(raw('Content-Type', 'a/b', 'Connection', 'close, X-Hop', 'X-Hop', '1', 'Keep-Alive', 't=5',
      'Transfer-Encoding', 'chunked', 'Proxy-Authenticate', 'x', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2')))
      .toEqual(['Content-Type', 'a/b', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });

  it('gives the mirror copy the primary headers with its own traceparent, leaving the primary ones intact', () => {
    const req = { rawHeaders: ['Host', 'a.test', 'Accept', '*/*', 'Traceparent', 'old', 'Content-Length', '0'],
      headers: { host: 'a.test', 'content-length': '0' }, remoteAddress: '10.0.0.1' };
    const primary = upstreamRequestHeaders(req, { traceparent: 'tp-primary' });
    const copy = withTraceparent(primary, 'tp-copy', ['x-siphon-dry-run', '1']);
    const expected = (tp: string) => ['Host', 'a.test', 'Accept', '*/*', 'x-forwarded-for', '10.0.0.1', 'x-forwarded-proto', 'http',
      'x-forwarded-host', 'a.test', 'traceparent', tp];
    expect(primary).toEqual(expected('tp-primary'));
    expect(copy).toEqual([...expected('tp-copy'), 'x-siphon-dry-run', '1']);
  });

  it('maps repeated headers for exchanges (set-cookie kept apart)', () => {
    expect(headerMap(['Vary', 'a', 'vary', 'b', 'Set-Cookie', 'x=1', 'set-cookie', 'y=2']))
      .toEqual({ vary: 'a, b', 'set-cookie': 'x=1\ny=2' });
  });
});

describe('traceparent', () => {
  it('keeps a valid incoming trace and starts one otherwise', () => {
    expect(traceFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))
      .toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', flags: '01' });
    for (const bad of [undefined, 'garbage', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01']) {
      const t = traceFrom(bad);
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(t.flags).toBe('01');
    }
  });

  it('makes distinct ids in the W3C format', () => {
    const spans = new Set(Array.from({ length: 10_000 }, newSpanId));
    expect(spans.size).toBe(10_000);
    for (const s of [...spans].slice(0, 100)) expect(s).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId()).not.toBe(newTraceId());
    expect(traceparent({ traceId: 'a'.repeat(32), flags: '00' }, 'b'.repeat(16))).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
  });
});

describe('body capture', () => {
  it('keeps the first N bytes and says when it cut', () => {
    const c = new BodyCapture(5);
    c.add(Buffer.from('abc'));
    expect(c.truncated).toBe(false);
    c.add(Buffer.from('defg'));
    c.add(Buffer.from('h'));
    expect(c.body().toString()).toBe('abcde');
    expect(c.truncated).toBe(true);
    const exact = new BodyCapture(3);
    exact.add(Buffer.from('abc'));
    expect([exact.body().toString(), exact.truncated]).toEqual(['abc', false]);
  });
});
