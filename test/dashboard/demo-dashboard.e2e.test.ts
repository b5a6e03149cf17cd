import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, waitText } from '../support/browser.js';

/**
 * The dashboard of a running `siphon demo` (embedded defaults, `--keep`) in real Chromium: the page opened from the
 * printed login link follows the story live; once the demo waits, the numbers on the page equal the admin API's
 * snapshot; a rollback from the page sends the route's next request to legacy and is in the audit trail with the
 * operator's identity. Screenshots go to test-results/demo-dashboard/ (README's picture is one of them).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-results/demo-dashboard');
const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-dash-'));
let demo: ChildProcess;
let out = '', err = '';
let browser: Browser;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined | null, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== null) return v;
    if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}) before ${what}\nstderr:\n${err.slice(-3000)}\nstdout:\n${out.slice(-2000)}`);
    if (Date.now() > end) throw new Error(`no ${what} after ${timeoutMs} ms\nstderr:\n${err.slice(-3000)}`);
    await sleep(100);
  }
}

const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = spawn('node', ['bin/siphon.js', 'demo', '--dir', join(dir, 'demo'), '--customers', '120', '--traffic-seconds', '2', '--keep'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  demo.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  demo.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once('exit', r));
    demo.kill('SIGINT');
    await Promise.race([exited, sleep(20_000)]);
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the dashboard of a running demo', () => {
  it('follows the story live, shows the API figures, and a rollback from the page sends the next request to legacy', async () => {
    const link = await until('dashboard link', () => /dashboard: open (\S+#token=\S+)/.exec(err)?.[1], 120_000);
    const token = link.split('#token=')[1]!;
    const base = link.split('#')[0]!.replace(/\/$/, '');
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(link);
    await page.waitForSelector('body[data-snapshot-at]', { timeout: 60_000 });
    expect(page.url()).not.toContain(token);

    // the story runs to its end; the demo waits (--keep) with its apps, gateway and admin API up
    const apps = await until('the kept apps', () => /gateway (http:\/\/\S+)/.exec(out.slice(out.indexOf('Apps running')))?.[1], 240_000);
    const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-siphon-csrf': '1' },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      expect(res.status, `${path}: ${res.status}`).toBe(200);
      return await res.json() as T;
    };
    type Snap = {
      scoreboard: { failedUserRequests: number; quarantined: number; rowsMigrated: number | null; rowsLost: number | null };
      routes: { id: string; mode: string; path: string; methods: string[] }[];
    };
    const s = await api<Snap>('/api/snapshot');
    expect(s.scoreboard.failedUserRequests).toBe(0);
    expect(s.scoreboard.rowsLost).toBe(0);
    await waitText(page, '[data-k="failedUserRequests"]', fmt(s.scoreboard.failedUserRequests));
    await waitText(page, '[data-k="quarantined"]', fmt(s.scoreboard.quarantined));
    await waitText(page, '[data-k="rowsMigrated"]', fmt(s.scoreboard.rowsMigrated));
    await waitText(page, '[data-k="rowsLost"]', fmt(s.scoreboard.rowsLost));
    const onNext = s.routes.filter((r) => r.mode === 'next');
    expect(onNext.length, JSON.stringify(s.routes)).toBeGreaterThan(0);
    expect(s.routes.filter((r) => r.mode === 'canary')).toEqual([]); // the story ends promoted, or rolled back
    for (const r of s.routes) await waitText(page, `[data-route="${r.id}"] [data-k="mode"]`, r.mode);
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    await page.screenshot({ path: join(SHOTS, 'dashboard-top.png') }); // the first screen: README's picture

    // a route on next, rolled back from the page: its next request is answered by legacy, and it is audited
    const route = onNext.find((r) => r.path.includes(':') && (r.methods.length === 0 || r.methods.includes('GET'))) ?? onNext[0]!;
    const path = route.path.replace(/:[^/]+/g, '1').replace(/\*$/, 'x');
    const answeredBy = async () => (await fetch(`${apps}${path}`)).headers.get('x-billing-app');
    expect(await answeredBy()).toBe('next');
    page.once('dialog', (d) => void d.accept('rolled back from the browser test'));
    await page.click(`[data-route="${route.id}"] button[data-action="rollback"]`);
    await waitText(page, `[data-route="${route.id}"] [data-k="mode"]`, 'legacy');
    let side: string | null = null;
    for (let i = 0; i < 100 && (side = await answeredBy()) !== 'legacy'; i++) await sleep(50);
    expect(side).toBe('legacy');
    const { audit } = await api<{ audit: { id: number; action: string; actor: string; reason: string | null }[] }>('/api/snapshot');
    const entry = audit.find((a) => a.action === 'route.rollback' && a.reason === 'rolled back from the browser test');
    expect(entry, JSON.stringify(audit.slice(0, 5))).toBeDefined();
    await page.waitForSelector(`[data-audit="${entry!.id}"]`);
    await page.screenshot({ path: join(SHOTS, 'after-rollback.png'), fullPage: true });
  }, 420_000);
});
