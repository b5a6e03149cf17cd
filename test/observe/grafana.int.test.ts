import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { startLegacyApp } from '../../examples/billing/legacy-app/start-legacy-app.js';
import { nextDdl } from '../../examples/billing/next/schema.js';

/**
 * deploy/grafana/siphon.json against reality: every metric name its queries use must be exported by a running
 * `siphon start` (gateway + migration), read from that process's /metrics — not from a list kept in the test.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'siphon-grafana-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Panel { type: string; title: string; id: number; targets?: { expr: string; refId: string }[]; gridPos: { x: number; y: number; w: number; h: number } }

/** Metric names a PromQL expression reads (label names and functions are not `siphon_*`). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '{}');
  return [...withoutLabels.matchAll(/\bsiphon_[a-z0-9_]+/g)].map((m) => m[0]);
}

/** name → type, from the `# TYPE` lines of a Prometheus text exposition. */
function exported(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.split('\n')) if (l.startsWith('# TYPE ')) { const [, , name, type] = l.split(' '); out.set(name!, type!); }
  return out;
}

function isExported(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return !!m && (types.get(m[1]!) === 'histogram' || (m[2] !== 'bucket' && types.get(m[1]!) === 'summary'));
}

describe('Grafana dashboard', () => {
  it('is a well-formed dashboard whose every query uses metrics a running siphon start exports', async () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/siphon.json'), 'utf8')) as { title: string; uid: string; panels: Panel[]; templating: { list: { name: string }[] } };
    expect(dash.title).toBe('Siphon');
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(queries.length).toBeGreaterThan(20);
    for (const p of dash.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);

    const legacyPath = join(dir, 'legacy.sqlite'), nextPath = join(dir, 'next.sqlite');
    await generateLegacy({ legacy: `sqlite:${legacyPath}`, customers: 20, seed: 3, dirty: 0, reset: true, progress: false });
    const nextDb = await openDatabase(`sqlite:${nextPath}`);
    for (const s of nextDdl('sqlite', { reset: true })) await nextDb.execute(s);
    await nextDb.close();
    const legacy = await openDatabase(`sqlite:${legacyPath}`);
    const app = await startLegacyApp({ db: legacy });
    const config = join(dir, 'siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'grafana', legacy: { db: 'sqlite:${legacyPath}', timezone: 'Europe/Paris', http: '${app.url}' }, next: { db: 'sqlite:${nextPath}', http: '${app.url}' },
  state: 'sqlite:${join(dir, 'state.sqlite')}', log: 'sqlite:${join(dir, 'log.sqlite')}', entities: billingEntities, tables: billingTables(),
  start: { health: { port: 0 }, gateway: { port: 0 } },
});
`);
    const child = spawn('node', ['bin/siphon.js', 'start', '-c', config, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } });
    let out = '', err = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      for (let i = 0; i < 600 && !out.includes('"event":"started"') && child.exitCode === null; i++) await sleep(50);
      const started = JSON.parse(out.split('\n').find((l) => l.includes('"event":"started"')) ?? 'null') as { healthPort: number } | null;
      expect(started, err).not.toBeNull();
      const health = `http://127.0.0.1:${started!.healthPort}`;
      for (let i = 0; i < 200 && (await fetch(`${health}/readyz`)).status !== 200; i++) await sleep(50);
      const status = await (await fetch(`${health}/status`)).json() as { components: { name: string; detail?: { port?: number } }[] };
      const gw = `http://127.0.0.1:${status.components.find((c) => c.name === 'gateway')!.detail!.port}`;
      for (let i = 1; i <= 5; i++) expect((await fetch(`${gw}/api/customers/${i}`)).status).toBeLessThan(500);
      const types = exported(await (await fetch(`${health}/metrics`)).text());
      expect(types.size).toBeGreaterThan(20);
      const missing = queries.flatMap((q) => metricNames(q.expr).filter((n) => !isExported(n, types)).map((n) => `${q.panel}: ${n}`));
      expect(missing).toEqual([]);
      // the control: a name the code does not export is caught
      expect(isExported('siphon_gateway_mirror_total', types)).toBe(false);
      child.kill('SIGTERM');
      expect(await exited, err).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await app.close();
      await legacy.close();
    }
  }, 120_000);
});
