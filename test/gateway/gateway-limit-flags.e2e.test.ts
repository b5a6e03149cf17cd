import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../bench/lib/proc-cpu.js';
import { eventually, freePort, rawExchange } from './support/raw.js';
import { jsonAnswer, startUpstream, type TestUpstream } from './support/upstream.js';

// The hostile-client defences of issue 15 as `siphon gateway start` flags, checked on a real gateway process: each
// flag changes what the gateway does (the defaults would answer differently).
const BIN = join(import.meta.dirname, '../../bin/siphon.js');
let legacy: TestUpstream;
let next: TestUpstream;
let child: ChildProcess;
let port: number;
let stderr = '';

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => { const s = connect(port, '127.0.0.1', () => resolve(s)); s.once('error', reject); });
}

/** Waits for the socket to be closed by the gateway, collecting what it sent before; rejects after `ms`. */
function closedBy(s: Socket, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    s.once('close', () => { clearTimeout(timer); resolve(text); });
  });
}

beforeAll(async () => {
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
  const routes = join(mkdtempSync(join(tmpdir(), 'siphon-gw-')), 'routes.json');
  writeFileSync(routes, JSON.stringify([{ id: 'all', match: { path: '/*' }, mode: { kind: 'legacy' } }]));
  port = await freePort();
  child = spawn(process.execPath, [BIN, 'gateway', 'start', '--legacy-http', legacy.url, '--next-http', next.url, '--port', String(port),
    '--routes', routes, '--max-header-count', '8', '--client-header-timeout', '300', '--max-connections', '4', '--client-share', '0.5'], {
    env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', VITEST: '' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  await eventually(async () => {
    try { return (await rawExchange(port, 'GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).startsWith('HTTP/1.1 200'); } catch { return false; }
  }, 45_000, 'the gateway to start');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await legacy?.close(); await next?.close();
});

describe('siphon gateway start: the defences as flags', () => {
  it('--max-header-count: a head with more fields is refused with 431 (the default allows 101)', async () => {
    const fields = Array.from({ length: 12 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
    expect(await rawExchange(port, `GET /a HTTP/1.1\r\nHost: x\r\n${fields}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await rawExchange(port, 'GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--client-header-timeout: a head that never ends is cut long before the 20 s default', async () => {
    const s = await open();
    s.write('GET /slow HTTP/1.1\r\nHost: x\r\n');
    const sent = await closedBy(s, 10_000);
    expect(sent === '' || /^HTTP\/1\.1 408/.test(sent)).toBe(true);
  });

  it('--max-connections: past the cap a new connection gets 503 and is closed', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => open()));
    try {
      await new Promise((r) => setTimeout(r, 100)); // let the gateway count them
      const extra = await open();
      const answer = await closedBy(extra, 10_000);
      expect(answer).toMatch(/^HTTP\/1\.1 503/);
    } finally { for (const s of held) s.destroy(); }
  });

  it('one process serves, started again by the CLI without V8\'s memory reducer (bin/node-flags.js)', () => {
    const node = basename(process.execPath).slice(0, 15);
    const below = processTree(child.pid!).filter((p) => p !== child.pid && comm(p) === node);
    expect(below).toHaveLength(1);
    expect(cmdline(below[0]!)).toContain('--no-memory-reducer');
    expect(cmdline(child.pid!)).not.toContain('--no-memory-reducer');
  });

  it('refuses a --client-share outside (0, 1] with exit 2 and the rule', async () => {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'gateway', 'start', '--legacy-http', legacy.url, '--next-http', next.url, '--client-share', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.on('close', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--client-share must be a number in (0, 1], got "0"');
  });
});

const cmdline = (pid: number): string[] => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } };
const comm = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
