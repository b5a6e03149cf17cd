import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { aspireSpan } from '../../src/observe/spans.js';
import { startTracing, type Tracing } from '../../src/observe/tracing.js';
import { jsonAnswer, startUpstream, type TestUpstream } from '../gateway/support/upstream.js';
import { eventually } from '../gateway/support/raw.js';

/**
 * Traces exported over OTLP/HTTP by the official SDK reach a collector: here a plain HTTP server inside the test that
 * decodes the OTLP JSON payload. Checked: the user request's span (child of the caller's traceparent), the upstream
 * call as its child (the id legacy received in its traceparent), the mirror copy as another child (the id next
 * received), aspire's span under the request; the ratio sampler; and with tracing off, no span and traceparent still
 * propagated.
 */
interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}
interface OtlpPayload { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

let collector: Server;
let collectorUrl: string;
const received: OtlpSpan[] = [];
const services = new Set<string>();
let legacy: TestUpstream;
let next: TestUpstream;
let tracing: Tracing | undefined;
let gw: Gateway | undefined;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toContain('application/json');
      const body = JSON.parse(Buffer.concat(chunks).toString()) as OtlpPayload;
      for (const rs of body.resourceSpans) {
        for (const a of rs.resource.attributes) if (a.key === 'service.name') services.add(a.value.stringValue!);
        for (const ss of rs.scopeSpans) received.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
});
afterEach(async () => { await gw?.close(); gw = undefined; await tracing?.shutdown(); tracing = undefined; received.length = 0; });
afterAll(async () => { await legacy.close(); await next.close(); await new Promise((r) => collector.close(r)); });

const ROUTES = [{ id: 'bills', match: { path: '/bills/*' }, mode: { kind: 'shadow' as const } }];
const attr = (s: OtlpSpan, key: string) => { const v = s.attributes?.find((a) => a.key === key)?.value; return v?.stringValue ?? v?.intValue; };
const parentOf = (tp: string | string[] | undefined) => String(tp).split('-')[2];

async function startGateway(): Promise<string> {
  gw = createGateway({ legacy: legacy.url, next: next.url, routes: ROUTES });
  return `http://127.0.0.1:${(await gw.listen(0)).port}`;
}

describe('OTLP traces', () => {
  it('exports the request, its upstream call, the mirror copy and aspire as one trace with parent/child links', async () => {
    tracing = startTracing({ endpoint: collectorUrl, serviceName: 'siphon-otlp-test', sampleRatio: 1, exportDelayMs: 50 });
    const base = await startGateway();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736', callerSpan = '00f067aa0ba902b7';
    const res = await request(`${base}/bills/42`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    await eventually(() => next.seen.some((s) => s.url === '/bills/42'), 5000, 'the mirror copy reached next');
    const legacyTp = legacy.seen.findLast((s) => s.url === '/bills/42')!.headers.traceparent;
    const nextTp = next.seen.findLast((s) => s.url === '/bills/42')!.headers.traceparent;
    // aspire, as the aspire code calls it for an entity this request touched first
    await aspireSpan('customer', '42', async () => 'migrated', `00-${traceId}-${parentOf(legacyTp)}-01`);
    await eventually(async () => { await tracing!.flush(); return received.filter((s) => s.traceId === traceId).length >= 4; }, 10_000, 'spans exported');

    const spans = received.filter((s) => s.traceId === traceId);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    expect(spans.map((s) => s.name).sort()).toEqual(['siphon.aspire', 'siphon.gateway.mirror', 'siphon.gateway.request', 'siphon.gateway.upstream']);
    const [req] = byName('siphon.gateway.request'), [up] = byName('siphon.gateway.upstream'), [mirror] = byName('siphon.gateway.mirror'), [aspire] = byName('siphon.aspire');
    expect(req!.parentSpanId).toBe(callerSpan);
    expect(req!.kind).toBe(2); // SERVER
    expect(attr(req!, 'siphon.route')).toBe('bills');
    expect(String(attr(req!, 'http.response.status_code'))).toBe('200');
    expect(up!.parentSpanId).toBe(req!.spanId);
    expect(up!.kind).toBe(3); // CLIENT
    expect(parentOf(legacyTp)).toBe(up!.spanId); // legacy was told its caller is the upstream span
    expect(mirror!.parentSpanId).toBe(req!.spanId);
    expect(attr(mirror!, 'siphon.side')).toBe('next');
    expect(parentOf(nextTp)).toBe(mirror!.spanId); // next was told its caller is the mirror span
    expect(String(nextTp)).toContain(traceId);
    expect(aspire!.parentSpanId).toBe(up!.spanId);
    expect(attr(aspire!, 'siphon.entity')).toBe('customer');
    expect(services).toContain('siphon-otlp-test');
  });

  it('samples new traces by ratio and obeys a sampled caller; traceparent goes upstream either way', async () => {
    tracing = startTracing({ endpoint: collectorUrl, serviceName: 'siphon-otlp-test', sampleRatio: 0, exportDelayMs: 50 });
    const base = await startGateway();
    for (let i = 0; i < 5; i++) await (await request(`${base}/other/${i}`)).body.text();
    const unsampled = legacy.seen.findLast((s) => s.url === '/other/4')!.headers.traceparent;
    expect(String(unsampled)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await (await request(`${base}/kept`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })).body.text();
    await tracing.flush();
    await eventually(async () => { await tracing!.flush(); return received.some((s) => s.traceId === traceId); }, 10_000, 'the sampled caller\'s spans');
    expect(received.filter((s) => s.name === 'siphon.gateway.request').every((s) => s.traceId === traceId)).toBe(true);
    expect(received.filter((s) => s.traceId === traceId).map((s) => s.name).sort()).toEqual(['siphon.gateway.request', 'siphon.gateway.upstream']);
  });

  it('with tracing off, exports nothing and still propagates the caller\'s trace id', async () => {
    const base = await startGateway();
    const traceId = '11111111111111111111111111111111';
    await (await request(`${base}/bills/7`, { headers: { traceparent: `00-${traceId}-2222222222222222-01` } })).body.text();
    expect(String(legacy.seen.findLast((s) => s.url === '/bills/7')!.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual([]);
  });
});
