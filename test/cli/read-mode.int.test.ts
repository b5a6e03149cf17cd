import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/open.js';
import { openStateStore } from '../../src/state/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from './run-cli.js';

// Finding 11 of issue 11: a reading command with a mistyped location must not create what it reads (nor its folder)
// and must not report it as fine; the missing store is a usage error (exit 2) naming the path.

let dir: string;
let legacy: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'siphon-readmode-'));
  legacy = join(dir, 'legacy.sqlite');
  const db = new Database(legacy);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const missing = () => join(dir, `typo-${Math.random().toString(36).slice(2)}`, 'store.sqlite');

describe('reading commands never create the sqlite store they read', () => {
  const cases: [string, (url: string) => string[], RegExp][] = [
    ['log tail', (u) => ['log', 'tail', '--log', u], /no event log at sqlite:.*store\.sqlite: the file does not exist/],
    ['log stats', (u) => ['log', 'stats', '--log', u], /no event log at/],
    ['log replay', (u) => ['log', 'replay', '--log', u, '--from', '1', '--consumer', 'count'], /no event log at/],
    ['log prune', (u) => ['log', 'prune', '--log', u, '--older-than', '0'], /no event log at/],
    ['state status', (u) => ['state', 'status', '--state', u], /no state store at sqlite:.*store\.sqlite: the file does not exist/],
    ['state audit', (u) => ['state', 'audit', '--state', u], /no state store at/],
    ['route status', (u) => ['route', 'status', '--state', u], /no state store at/],
    ['route rollback', (u) => ['route', 'rollback', '--state', u], /no state store at/],
    ['quarantine list', (u) => ['quarantine', 'list', '--state', u], /no state store at/],
    ['quarantine show', (u) => ['quarantine', 'show', '1', '--state', u], /no state store at/],
    ['capture status', (u) => ['capture', 'status', '--legacy-db', `sqlite:${legacy}`, '--tables', 't', '--method', 'trigger', '--log', u], /no event log at/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: exit 2, the path named, no file and no folder created`, async () => {
      const path = missing();
      const r = await runCli(args(`sqlite:${path}`));
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(path);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.code).toBe(2);
      expect(existsSync(path)).toBe(false);
      expect(existsSync(join(path, '..'))).toBe(false);
    });
  }

  it('capture status with a mistyped legacy sqlite path creates no legacy file', async () => {
    const path = missing();
    const r = await runCli(['capture', 'status', '--legacy-db', `sqlite:${path}`, '--tables', 't', '--method', 'trigger', '--log', `sqlite:${missing()}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('a sqlite file that is not a log or a state store is refused and left untouched', async () => {
    const r1 = await runCli(['log', 'stats', '--log', `sqlite:${legacy}`]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/holds no Siphon log/);
    const r2 = await runCli(['state', 'status', '--state', `sqlite:${legacy}`]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/holds no Siphon state store/);
    const db = new Database(legacy, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    db.close();
    expect(tables).toEqual(['t']);
  });

  it('an existing store opens in read mode and reads as before', async () => {
    const logPath = join(dir, 'log.sqlite'), statePath = join(dir, 'state.sqlite');
    await (await openLog(`sqlite:${logPath}`)).close();
    await (await openStateStore(`sqlite:${statePath}`)).close();
    const before = statSync(logPath).size;
    const l = await runCli(['log', 'stats', '--log', `sqlite:${logPath}`, '--json']);
    expect(l.code).toBe(0);
    expect(JSON.parse(l.stdout)).toMatchObject({ entries: 0 });
    expect(statSync(logPath).size).toBe(before);
    const s = await runCli(['state', 'status', '--state', `sqlite:${statePath}`, '--json']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ routes: 0 });
  });
});

describe('read mode on PostgreSQL and NATS creates no schema or stream', () => {
  let db: FreshDatabase;
  beforeAll(async () => { db = await freshDatabase('postgres', 'siphon_readmode'); });
  afterAll(() => db.drop());

  const schemas = async (): Promise<string[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'typo%' ORDER BY 1")).rows.map((r) => r.n);
    } finally { await c.end(); }
  };

  it('log stats and state status on a mistyped schema: exit 2, no schema created', async () => {
    const log = await runCli(['log', 'stats', '--log', `${db.url}?schema=typo_log`]);
    expect(log.code).toBe(2);
    expect(log.stderr).toMatch(/no event log at .*: schema typo_log holds no log/);
    const state = await runCli(['state', 'status', '--state', `${db.url}?schema=typo_state`]);
    expect(state.code).toBe(2);
    expect(state.stderr).toMatch(/no state store at .*: schema typo_state holds no state store/);
    expect(await schemas()).toEqual([]);
  });

  it('log stats on a mistyped NATS log: exit 2, no stream created', async () => {
    const name = `typo${Date.now().toString(36)}`;
    const r = await runCli(['log', 'stats', '--log', `nats://127.0.0.1:4222/${name}`]);
    expect(r.stderr).toMatch(/no event log at nats:.*: no JetStream stream/);
    expect(r.code).toBe(2);
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    try {
      const jsm = await nc.jetstreamManager();
      const streams: string[] = [];
      for await (const s of jsm.streams.names()) streams.push(s);
      expect(streams.filter((s) => s.toLowerCase().includes(name.toLowerCase()))).toEqual([]);
    } finally { await nc.close(); }
  });
});
