import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import type { RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import { ensureWatermarkTable } from '../../src/capture/watermark.js';
import type { CaptureMethod } from '../../src/capture/types.js';
import { dropSlotAndPublication } from '../../src/capture/pgoutput/slot.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshPostgresLog, freshSqliteLog, readAll, waitFor } from './helpers.js';

const CHILD_SRC = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
// The child is bundled once to plain JS (dependencies stay external): it starts in a fraction of the time tsx needs,
// which keeps 20+ restarts per method well inside the test budget.
// (inside node_modules/.cache so that the external packages resolve from the checkout's node_modules)
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
mkdirSync(cacheDir, { recursive: true });
const bundleDir = mkdtempSync(join(cacheDir, 'siphon-crash-'));
const CHILD = join(bundleDir, 'crash-child.mjs');
beforeAll(async () => {
  await build({ entryPoints: [CHILD_SRC], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: CHILD, logLevel: 'silent',
    absWorkingDir: fileURLToPath(new URL('../..', import.meta.url)) });
  // the logs' append threads are files beside their modules (new URL(…, import.meta.url)): beside the bundle here
  for (const worker of ['postgres/pg-append-worker.mjs', 'sqlite/sqlite-append-worker.mjs']) {
    copyFileSync(fileURLToPath(new URL(`../../src/log/${worker}`, import.meta.url)), join(bundleDir, worker.split('/')[1]!));
  }
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

/** One change the writer made, as capture must record it: op, key, and the version written (or deleted). */
type Expected = string;
const describeChange = (c: RowChange): Expected => {
  const img = c.after ?? c.before!;
  return `${c.op}:${(c.key['id'] as { v: string }).v}:${(img['ver'] as { v: string }).v}`;
};

/**
 * Keeps writing to legacy (single connection, so commit order is write order): inserts, updates, deletes on 40
 * keys, every fifth step a 4-statement transaction, and records the change history capture must reproduce.
 */
class Writer {
  readonly history: Expected[] = [];
  private stopped = false;
  private done: Promise<void> | null = null;
  private present = new Map<number, number>();
  private ver = 0;
  constructor(private readonly db: Database) {}
  start(): void { this.done = this.loop(); }
  async stop(): Promise<void> { this.stopped = true; await this.done; }
  private step(id: number): { sql: string; params: (number | string)[]; change: Expected } {
    const v = ++this.ver;
    if (!this.present.has(id)) { this.present.set(id, v); return { sql: 'INSERT INTO items (id, ver, note) VALUES (?, ?, ?)', params: [id, v, `n${v}`], change: `insert:${id}:${v}` }; }
    if (v % 7 === 0) { const old = this.present.get(id)!; this.present.delete(id); return { sql: 'DELETE FROM items WHERE id = ?', params: [id], change: `delete:${id}:${old}` }; }
    this.present.set(id, v);
    return { sql: 'UPDATE items SET ver = ?, note = ? WHERE id = ?', params: [v, `n${v}`, id], change: `update:${id}:${v}` };
  }
  private async loop(): Promise<void> {
    let n = 0;
    while (!this.stopped) {
      n++;
      if (n % 5 === 0) {
        const steps: { sql: string; params: (number | string)[]; change: Expected }[] = [];
        await this.db.transaction(async (tx) => {
          const used = new Set<number>();
          for (let i = 0; i < 4; i++) {
            let id = 1 + Math.floor(Math.random() * 40);
            while (used.has(id)) id = 1 + (id % 40);
            used.add(id);
            const s = this.step(id); steps.push(s);
            await tx.execute(s.sql, s.params);
          }
        });
        this.history.push(...steps.map((s) => s.change));
      } else {
        const s = this.step(1 + Math.floor(Math.random() * 40));
        await this.db.execute(s.sql, s.params);
        this.history.push(s.change);
      }
      await new Promise((r) => setTimeout(r, 4));
    }
  }
}

function spawnCapture(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env, SIPHON_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`capture child exited (${code ?? signal}): ${stderr}`)); else resolve(); });
  });
  return { child, ready };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

// 20 kills of binlog capture (the bar), plus 6 of trigger capture on SQLite and 5 of pgoutput: about a
// minute in all on 2 cores
const scale = Number(process.env.SIPHON_CRASH_SCALE ?? 1);
// plus 8 of binlog capture into a PostgreSQL log: its appends are pipelined (two in flight, stored by the append
// thread), so a kill can land with one batch committing and the next one sent
const CASES: { method: CaptureMethod; dialect: Dialect; kills: number; log: 'sqlite' | 'postgres' }[] = [
  { method: 'binlog', dialect: 'mysql', kills: Math.round(20 * scale), log: 'sqlite' },
  { method: 'trigger', dialect: 'sqlite', kills: Math.round(6 * scale), log: 'sqlite' },
  { method: 'pgoutput', dialect: 'postgres', kills: Math.round(5 * scale), log: 'sqlite' },
  { method: 'binlog', dialect: 'mysql', kills: Math.round(8 * scale), log: 'postgres' },
];

describe.each(CASES)('capture survives SIGKILL at random moments ($method on $dialect, into a $log log)', ({ method, dialect, kills: KILLS, log: logEngine }) => {
  let fresh: FreshDatabase, db: Database, log: EventLog, logUrl: string, dropLog: () => Promise<void>;
  const slot = `siphon_crash_${Date.now().toString(36)}`;
  afterAll(async () => {
    if (method === 'pgoutput') {
      // the walsender of a SIGKILLed child may hold the slot a moment longer: retry until it lets go (WAL piles up
      // behind a forgotten slot)
      for (let i = 0; i < 50; i++) {
        try { await dropSlotAndPublication(db, slot, slot); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
    }
    await db?.close(); await dropLog?.(); await fresh?.drop();
  });

  it(`loses nothing and repeats nothing across ${KILLS} kills while legacy keeps writing`, async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE items (id INT PRIMARY KEY, ver INT NOT NULL, note VARCHAR(20))`);
    await ensureWatermarkTable(db);
    if (method === 'trigger') await installTriggers(db, ['items']);
    if (method === 'pgoutput') await db.execute('ALTER TABLE items REPLICA IDENTITY FULL');
    ({ log, url: logUrl, drop: dropLog } = logEngine === 'sqlite' ? await freshSqliteLog() : await freshPostgresLog());
    const env = { CRASH_LEGACY: fresh.url, CRASH_LOG: logUrl, CRASH_METHOD: method, CRASH_SOURCE: 'legacy', CRASH_TABLES: 'items', CRASH_SLOT: slot };

    // the first run stores the start position before anything is written
    const first = spawnCapture(env);
    await first.ready;
    const writer = new Writer(db);
    writer.start();
    let killedAfterReady = 0;
    let seenOffset: string | null = null;
    const got: Expected[] = [];
    try {
      await kill(first.child);
      for (let i = 0; i < KILLS; i++) {
        const { child, ready } = spawnCapture(env);
        // a random moment: sometimes during start-up, mostly while it drains
        // a loaded machine can take seconds to start a child: the kill moment is random either way
        const delay = Math.random() < 0.2 ? Math.random() * 200 : 50 + Math.random() * 350;
        const wasReady = await Promise.race([ready.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15000))]);
        if (wasReady) { killedAfterReady++; await new Promise((r) => setTimeout(r, delay)); }
        await kill(child);
        // after each kill: what the log holds is a prefix of the history, each change once, in order
        const fresh = await readAll(log, seenOffset);
        if (fresh.length > 0) seenOffset = fresh[fresh.length - 1]!.offset;
        got.push(...fresh.map((e) => e.record).filter((r): r is RowChange => r.kind === 'change').map(describeChange));
        expect(got).toEqual(writer.history.slice(0, got.length));
      }
    } finally {
      await writer.stop();
    }
    expect(killedAfterReady).toBeGreaterThan(KILLS / 2);
    const last = spawnCapture(env);
    await last.ready;
    try {
      const all = await waitFor(async () => (await readAll(log)).map((e) => e.record).filter((r): r is RowChange => r.kind === 'change'),
        (c) => c.length >= writer.history.length, `all ${writer.history.length} changes`, 30_000);
      expect(all.map(describeChange)).toEqual(writer.history);
    } finally { await kill(last.child); }
    expect(writer.history.length).toBeGreaterThan(100);
  }, 120_000);
});
