import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { echoOf, sha, startEchoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { rawExchange } from './support/raw.js';
import { WireClient } from './support/wire.js';

// The node:http fallback front end (issue 15, finding 9): used when Node's llhttp binding is missing or fails its
// self-test. Forced here with `engine: 'node-http'`, and by hiding the binding from a child process.
let up: EchoUpstream;
let gw: Gateway;
let port: number;
beforeAll(async () => {
  up = await startEchoUpstream();
  gw = createGateway({ legacy: up.url, next: up.url, engine: 'node-http', limits: { maxHeaderCount: 20 } });
  port = (await gw.listen(0)).port;
});
afterAll(async () => { await gw.close(); await up.close(); });

describe('node:http fallback front end', () => {
  it('proxies GET and bodies (length and chunked) byte-exact, on one keep-alive connection', async () => {
    expect(gw.engine).toBe('node-http');
    const c = await WireClient.open(port);
    try {
      c.write('GET /a?b=1 HTTP/1.1\r\nHost: t\r\n\r\n');
      expect(echoOf((await c.read()).body)).toMatchObject({ method: 'GET', url: '/a?b=1', bodyLength: 0 });
      const body = randomBytes(200_000);
      c.write(Buffer.concat([Buffer.from(`POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      expect(echoOf((await c.read()).body)).toMatchObject({ method: 'POST', bodyLength: body.length, bodySha: sha(body) });
      c.write('PUT /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
      expect(echoOf((await c.read()).body)).toMatchObject({ method: 'PUT', bodyLength: 5, bodySha: sha(Buffer.from('abcde')) });
    } finally { c.destroy(); }
  });

  it('refuses what the llhttp front end refuses: bad versions 505, too many headers 431, smuggling 400', async () => {
    const before = up.seen.length;
    expect(await rawExchange(port, 'GET /v HTTP/2.0\r\nHost: t\r\n\r\n')).toMatch(/^HTTP\/1\.1 505 /);
    const many = `GET /h HTTP/1.1\r\nHost: t\r\n${'x-a: b\r\n'.repeat(25)}\r\n`;
    expect(await rawExchange(port, many)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(port, 'POST /s HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'))
      .toMatch(/^HTTP\/1\.1 400 /);
    expect(up.seen.length).toBe(before);
  });

  it('answers 502 when the upstream is down', async () => {
    const down = createGateway({ legacy: 'http://127.0.0.1:2', next: 'http://127.0.0.1:2', engine: 'node-http' });
    const p = (await down.listen(0)).port;
    try {
      expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 502 /);
    } finally { await down.close(); }
  });

  it('is chosen by itself when the llhttp binding is missing, and serves', async () => {
    const child = join(import.meta.dirname, 'support', 'fallback-child.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, up.url],
      { env: { ...process.env, SIPHON_GATEWAY_NO_LLHTTP: '1', SIPHON_LOG_LEVEL: 'error' } });
    const got = JSON.parse(stdout.trim().split('\n').pop()!) as { engine: string; problem: string; status: number; body: string };
    expect(got).toMatchObject({ engine: 'node-http', problem: 'disabled by SIPHON_GATEWAY_NO_LLHTTP=1', status: 200 });
    expect(echoOf(Buffer.from(got.body)).url).toBe('/through');
  });
});
