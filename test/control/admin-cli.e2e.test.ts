import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

// `siphon admin start` as a real process, driven by the CLI with --admin (as real processes and in-process).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/siphon.js');
const dir = mkdtempSync(join(tmpdir(), 'siphon-admin-e2e-'));
const p = (f: string) => join(dir, f);
const STATE = `sqlite:${p('state.sqlite')}`;
const TOKENS = p('admin-tokens');
let server: ChildProcess;
let url: string;
let stderr = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)); });
  });
}

/** The CLI as its own process: exit code and output. */
async function siphon(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', VITEST: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const [code] = await once(child, 'exit') as [number];
  return { code, stdout: out, stderr: err };
}

const stateRows = (sql: string) => {
  const db = new Sqlite(p('state.sqlite'), { readonly: true });
  try { return db.prepare(sql).all() as Record<string, unknown>[]; } finally { db.close(); }
};

function tokenOf(role: string): string {
  return readFileSync(TOKENS, 'utf8').split('\n').find((l) => l.startsWith(`${role} `))!.split(' ')[2]!;
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [BIN, 'admin', 'start', '--state', STATE, '--port', String(port), '--token-file', TOKENS, '--json'], {
    env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', VITEST: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) resolve(); });
    server.once('exit', (code) => reject(new Error(`admin start exited ${code}: ${stderr}`)));
  });
  expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ url, tokenFile: TOKENS, tokensCreated: true });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) { server.kill('SIGTERM'); await once(server, 'exit'); }
  rmSync(dir, { recursive: true, force: true });
});

describe('siphon admin start + the CLI with --admin', () => {
  it('generated the tokens file 0600 and the state file 0600; /healthz is open, the rest is not', async () => {
    expect(statSync(TOKENS).mode & 0o777).toBe(0o600);
    expect(statSync(p('state.sqlite')).mode & 0o777).toBe(0o600);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/routes`)).status).toBe(401);
  });

  it('an operator token changes routes (real CLI processes); a read-only one is refused with exit 2 and nothing changes', async () => {
    const set = await siphon(['route', 'set', 'orders', '--path', '/orders/:id', '--mode', 'canary:25', '--admin', url, '--token-file', TOKENS, '--reason', 'ramp', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).routes[0]).toMatchObject({ id: 'orders', mode: 'canary', canaryPercent: 25 });
    writeFileSync(p('reader-token'), tokenOf('read-only') + '\n', { mode: 0o600 });
    const refused = await siphon(['route', 'set', 'orders', '--mode', 'next', '--admin', url, '--token-file', p('reader-token')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/reader has a read-only token/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // a message, never a stack trace
    expect(stateRows('SELECT id, mode, canary_percent FROM routes')).toEqual([{ id: 'orders', mode: 'canary', canary_percent: 25 }]);
  }, 120_000);

  it('a wrong token is 401, exit 2, and nothing changes; --actor is refused with --admin', async () => {
    const before = stateRows('SELECT count(*) AS n FROM audit');
    const wrong = await runCli(['route', 'rollback', '--admin', url], );
    expect(wrong.code).toBe(2); // no token at all: usage error naming how to give one
    process.env.SIPHON_ADMIN_TOKEN = 'x'.repeat(43);
    try {
      const bad = await runCli(['route', 'rollback', '--admin', url]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/valid bearer token is required/);
    } finally { delete process.env.SIPHON_ADMIN_TOKEN; }
    const actor = await runCli(['route', 'rollback', '--admin', url, '--token-file', TOKENS, '--actor', 'mallory']);
    expect(actor.code).toBe(2);
    expect(actor.stderr).toMatch(/--actor cannot be used with the admin API/);
    expect(stateRows('SELECT count(*) AS n FROM audit')).toEqual(before);
    expect(stateRows('SELECT mode FROM routes')).toEqual([{ mode: 'canary' }]);
  });

  it('backfill pause/resume, quarantine, diffs, status and audit through the API', async () => {
    const admin = ['--admin', url, '--token-file', TOKENS];
    expect((await runCli(['backfill', 'pause', ...admin, '--reason', 'month-end'])).code).toBe(0);
    expect(JSON.parse(String(stateRows("SELECT value FROM settings WHERE key = 'backfill.pause'")[0]!.value))).toMatchObject({ paused: true, reason: 'month-end' });
    expect((await runCli(['backfill', 'resume', ...admin])).code).toBe(0);
    const status = await runCli(['status', ...admin, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).state).toMatchObject({ routeTableVersion: 1, routes: 1, backfillPause: { paused: false } });
    const q = await runCli(['quarantine', 'list', ...admin, '--json']);
    expect(JSON.parse(q.stdout)).toEqual({ counts: [], items: [], more: false });
    expect((await runCli(['quarantine', 'show', '1', ...admin])).code).toBe(1);
    const diffs = await runCli(['diffs', '--route', 'orders', ...admin, '--json']);
    expect(JSON.parse(diffs.stdout)).toEqual({ endpoints: [] });
    expect((await runCli(['diffs', '--route', 'nope', ...admin])).code).toBe(2);
    expect((await runCli(['route', 'rollback', ...admin, '--reason', 'done'])).code).toBe(0);

    const audit = await runCli(['audit', ...admin, '--json']);
    const entries = JSON.parse(audit.stdout) as { actor: string; action: string; before: unknown; after: unknown }[];
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['operator', 'route.rollback'], ['operator', 'backfill.resume'], ['operator', 'backfill.pause'], ['operator', 'route.set']]);
    // the same trail in plain SQL, with before and after on every entry
    const rows = stateRows('SELECT actor, action, before_json, after_json FROM audit ORDER BY id');
    expect(rows).toHaveLength(4);
    for (const r of rows) { expect(r.before_json).not.toBeNull(); expect(r.after_json).not.toBeNull(); }
  });

  it("uses the config's admin.url and admin.tokenFile; --no-admin works on the state store directly", async () => {
    const config = p('siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'admin', legacy: { db: 'sqlite:${p('legacy.sqlite')}' }, next: { db: 'sqlite:${p('next.sqlite')}' },
  state: '${STATE}', admin: { url: '${url}', tokenFile: '${TOKENS}' }, entities: billingEntities, tables: billingTables(),
});
`);
    const viaApi = await runCli(['route', 'set', 'orders', '--mode', 'shadow', '-c', config]);
    expect(viaApi.code, viaApi.stderr).toBe(0);
    const direct = await runCli(['route', 'set', 'orders', '--mode', 'next', '-c', config, '--no-admin', '--actor', 'dba-on-the-box']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(stateRows('SELECT actor, action FROM audit ORDER BY id DESC LIMIT 2')).toEqual([
      { actor: 'dba-on-the-box', action: 'route.update' }, { actor: 'operator', action: 'route.update' }]);
  });
});

describe('a configured tokens file others may read', () => {
  it('refuses to start: exit 2 and a clear message, nothing listening', async () => {
    const file = p('open-tokens');
    writeFileSync(file, 'operator alice abcdefghijklmnopqrstuvwxyz\n');
    chmodSync(file, 0o640);
    const r = await siphon(['admin', 'start', '--state', `sqlite:${p('other.sqlite')}`, '--port', '0', '--token-file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/admin token file .*open-tokens: readable by group or others \(mode 0640\).*chmod 600/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => statSync(p('other.sqlite'))).toThrow(); // refused before opening anything
  }, 120_000);
});
