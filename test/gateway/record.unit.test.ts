import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/gateway/diff/redact.js';
import type { Exchange } from '../../src/gateway/exchange.js';
import { templateEndpoint } from '../../src/gateway/record/endpoint-template.js';
import { decodeBody, parseRecordedLine } from '../../src/gateway/record/record-format.js';
import { readLines } from '../../src/gateway/record/read-lines.js';
import { Recorder } from '../../src/gateway/record/recorder.js';
import { RotatingFile } from '../../src/gateway/record/rotating-file.js';
import { parseSampling, Sampler } from '../../src/gateway/record/sampler.js';

const dir = mkdtempSync(join(tmpdir(), 'siphon-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Redactor', () => {
  const r = new Redactor();
  it('replaces e-mails, phone numbers, checked IBANs and Luhn-valid card numbers, and leaves dates, amounts and ids', () => {
    expect(r.text('write to jane.doe+x@mail.example.org now')).toBe('write to [email] now');
    expect(r.text('call +33 6 12 34 56 78 or 06 12 34 56 78 or (555) 123-4567')).toBe('call [phone] or [phone] or [phone]');
    expect(r.text('iban FR76 3000 6000 0112 3456 7890 189 ok')).toBe('iban [iban] ok');
    expect(r.text('card 4111 1111 1111 1111 / 4111111111111111')).toBe('card [card] / [card]');
    const untouched = 'on 2026-11-26T10:00:00+01:00, +12.50 EUR, invoice 1234567890123456, FR76 3000 6000 0112 3456 7890 188, v1.2.3, 192.168.1.10';
    expect(r.text(untouched)).toBe(untouched);
  });
  it('hides sensitive fields by name (suffix, any case) and sensitive headers', () => {
    const red = r.json(new Map<string, never>(Object.entries({ customerEmail: 'a', Phone: 'b', nested: new Map(Object.entries({ IBAN: 'x', amount: 'y' })) }) as never));
    expect(red).toEqual(new Map(Object.entries({ customerEmail: '***', Phone: '***', nested: new Map(Object.entries({ IBAN: '***', amount: 'y' })) })));
    expect(r.headerMap({ authorization: 'Bearer s3cr3t', cookie: 'sid=1', 'set-cookie': 'a=b', 'x-api-key': 'k', accept: 'a/b' }))
      .toEqual({ authorization: '***', cookie: '***', 'set-cookie': '***', 'x-api-key': '***', accept: 'a/b' });
    expect(r.url('/customers/jane@x.org?email=a@b.co&page=2&token=abc')).toBe('/customers/[email]?email=***&page=2&token=***');
  });
});

describe('Sampler', () => {
  it('takes one in N exactly and a rate from the trace id', () => {
    const every = new Sampler(parseSampling('1/4'));
    expect(Array.from({ length: 100 }, (_, i) => every.take(String(i))).filter(Boolean)).toHaveLength(25);
    const rate = new Sampler(parseSampling('0.25'));
    const ids = Array.from({ length: 4000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(32, '0'));
    const taken = ids.filter((id) => rate.take(id)).length;
    expect(taken).toBeGreaterThan(800);
    expect(taken).toBeLessThan(1200);
    expect(ids.filter((id) => rate.take(id)).length).toBe(taken); // same trace id, same decision
  });
  it('rejects bad sampling with the flag name', () => {
    expect(() => parseSampling('2')).toThrow(/--sample: "2" is neither a rate/);
    expect(() => parseSampling('1/0')).toThrow(/--sample/);
    expect(() => parseSampling('abc')).toThrow(/--sample/);
  });
});

describe('RotatingFile', () => {
  it('rotates by size on line boundaries and keeps at most maxFiles files', async () => {
    const path = join(dir, 'rot.jsonl');
    const f = new RotatingFile(path, { maxBytes: 1000, maxFiles: 3 });
    const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`;
    for (let i = 0; i < 50; i++) await f.write(line(i));
    await f.close();
    expect(existsSync(`${path}.3`)).toBe(false);
    const parts = [`${path}.2`, `${path}.1`, path].map((p) => readFileSync(p, 'utf8'));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(1000);
    const kept = parts.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(kept.at(-1)).toBe(49);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 50 - kept.length + k)); // contiguous, newest last
    expect(f.rotations).toBeGreaterThan(2);
  });
});

function exchange(i: number): Exchange {
  const body = JSON.stringify({ id: i, email: `user${i}@example.com`, note: 'iban FR76 3000 6000 0112 3456 7890 189', total: 12.50 });
  const resp = { status: 200, headers: { 'content-type': 'application/json', 'set-cookie': 'sid=secret' }, body: Buffer.from(body.replace('12.5', '12.50')), truncated: false, durationMs: 1.5 };
  return {
    routeId: 'r', endpoint: 'GET /customers/:id', traceId: i.toString(16).padStart(32, '0'), at: 1_700_000_000_000 + i,
    request: { method: 'GET', url: `/customers/${i}?email=user${i}@example.com`, headers: { authorization: 'Bearer TOPSECRET', accept: 'application/json' } },
    legacy: resp, next: { ...resp, status: 500 }, legacy2: resp,
  };
}

describe('Recorder', () => {
  it('writes sampled, redacted exchanges as valid JSON lines; secrets never reach the file', async () => {
    const out = join(dir, 'rec.jsonl');
    const rec = new Recorder({ out, sampling: parseSampling('1/2') });
    await rec.open();
    for (let i = 0; i < 10; i++) rec.accept(exchange(i));
    await rec.close();
    expect(rec.stats()).toMatchObject({ seen: 10, recorded: 5, sampledOut: 5, dropped: 0, failed: 0 });
    const text = readFileSync(out, 'utf8');
    for (const secret of ['TOPSECRET', 'sid=secret', '@example.com', 'FR76']) expect(text).not.toContain(secret);
    const lines = text.trimEnd().split('\n').map((l, k) => parseRecordedLine(l, out, k + 1));
    expect(lines.map((l) => l.traceId)).toEqual([0, 2, 4, 6, 8].map((i) => i.toString(16).padStart(32, '0')));
    const first = lines[0]!;
    expect(first.request).toMatchObject({ method: 'GET', url: '/customers/0?email=***', headers: { authorization: '***', accept: 'application/json' } });
    expect(JSON.parse(decodeBody(first.legacy.body).toString())).toEqual({ id: 0, email: '***', note: 'iban [iban]', total: 12.5 });
    expect(decodeBody(first.legacy.body).toString()).toContain('"total":12.50'); // number source text kept
    expect(first.next?.status).toBe(500);
    expect(first.legacy2?.status).toBe(200);
  });

  it('drops and counts when its queue is full, never throws', async () => {
    const rec = new Recorder({ out: join(dir, 'q.jsonl'), queueSize: 3 });
    for (let i = 0; i < 10; i++) rec.accept(exchange(i));
    rec.accept(null as unknown as Exchange);
    await rec.close();
    expect(rec.stats()).toMatchObject({ recorded: 3, dropped: 7 });
  });

  it('reports bad lines with file, line and field', () => {
    expect(() => parseRecordedLine('{oops', 'r.jsonl', 7)).toThrow(/^r\.jsonl:7: not JSON/);
    const line = JSON.stringify({ ...JSON.parse(JSON.stringify({ v: 1, at: 1, traceId: 't', routeId: 'r', endpoint: 'GET /', legacy: { status: 200, headers: {}, truncated: false, durationMs: 1 } })), request: { method: 'get', url: '/', headers: {} } });
    expect(() => parseRecordedLine(line, 'r.jsonl', 3)).toThrow(/^r\.jsonl:3: request\.method: an upper-case HTTP method/);
  });
});

describe('templateEndpoint', () => {
  it('names endpoints from paths with ids replaced', () => {
    expect(templateEndpoint('GET', '/customers/42/invoices?page=2')).toBe('GET /customers/:id/invoices');
    expect(templateEndpoint('GET', '/c/0b7c0c1e-8a6f-4d7e-9a53-3c1f0e6b2a11')).toBe('GET /c/:id');
    expect(templateEndpoint('GET', '/invoices/INV2026000123/pdf')).toBe('GET /invoices/:id/pdf');
    expect(templateEndpoint('GET', '/health')).toBe('GET /health');
    expect(templateEndpoint('GET', '/')).toBe('GET /');
  });
});

describe('readLines', () => {
  it('streams lines with numbers (CRLF, no final newline) and refuses a line over the limit naming it', async () => {
    const f = join(dir, 'lines.txt');
    writeFileSync(f, 'a\r\nbb\n\nccc');
    const got: [number, string][] = [];
    for await (const { line, lineNo } of readLines(f)) got.push([lineNo, line]);
    expect(got).toEqual([[1, 'a'], [2, 'bb'], [3, ''], [4, 'ccc']]);
    writeFileSync(f, `ok\n${'x'.repeat(5000)}`);
    const read = async (): Promise<void> => { for await (const _ of readLines(f, 1000)) void _; };
    await expect(read()).rejects.toThrow(/lines\.txt:2: line longer than 1000 bytes/);
  });
});
