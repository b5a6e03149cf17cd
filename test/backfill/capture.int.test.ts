import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { createBackfill } from '../../src/backfill/backfill.js';
import { DataPath } from '../../src/backfill/data-path.js';
import { setBackfillPause, type SettingsStore } from '../../src/backfill/pause.js';
import { createCapture, defaultMethod } from '../../src/capture/open.js';
import { ensurePublicationAndSlot } from '../../src/capture/pgoutput/slot.js';
import { logSink } from '../../src/capture/sink.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import type { CaptureSource } from '../../src/capture/types.js';
import { ensureWatermarkTable, WATERMARK_TABLE, writeWatermark } from '../../src/capture/watermark.js';
import type { EventLog } from '../../src/log/types.js';
import type { JsonValue } from '../../src/state/types.js';
import { int, keyToText, toPlain } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, waitFor } from '../capture/helpers.js';
import { MirrorApplier } from './mirror-applier.js';

/**
 * The backfill against real capture (SQLite triggers, MariaDB binlog, PostgreSQL pgoutput): rows that exist before
 * capture starts and rows written while chunks are read all end up in next exactly as legacy holds them, judged by a
 * plain SELECT on legacy against next's rows. A writer keeps updating, inserting and deleting in the table being
 * copied for the whole copy. Next here is a mirror applier (to() = identity, the Applier contract's CAS and
 * checkpoints); the billing run with the real applier is in load.int.test.ts.
 */

const DIALECTS: Dialect[] = ['sqlite', 'mysql', 'postgres'];
const ROWS = 3000;

describe.each(DIALECTS)('backfill with capture on %s', (dialect) => {
  let fresh: FreshDatabase, db: Database, log: EventLog, dropLog: () => Promise<void>, dir: string;
  let capture: CaptureSource;
  beforeAll(async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    dir = mkdtempSync(join(tmpdir(), 'siphon-backfill-'));
    await db.execute('CREATE TABLE acct (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, n INT NOT NULL)');
    await db.execute('CREATE TABLE pair (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b))');
    // pre-existing rows, keys <= 0 included: written before capture exists
    for (let i = 0; i < ROWS; i += 500) {
      const vals = Array.from({ length: 500 }, (_, j) => `(${i + j - 100}, 'name ${i + j}', 0)`).join(', ');
      await db.execute(`INSERT INTO acct (id, name, n) VALUES ${vals}`);
    }
    await db.execute(`INSERT INTO pair (a, b, v) VALUES (-1, 'x', 1), (0, 'Y', 2), (0, 'y!', 3), (1, '', 4)`);
    await ensureWatermarkTable(db);
    const tables = ['acct', 'pair'];
    const method = defaultMethod(dialect);
    if (method === 'trigger') await installTriggers(db, tables);
    if (method === 'pgoutput') await ensurePublicationAndSlot(db, 'legacy', 'siphon_bf', 'siphon_bf', [...tables, WATERMARK_TABLE], true);
    const l = await freshSqliteLog(); log = l.log; dropLog = l.drop;
    capture = createCapture(db, fresh.url, method, { source: 'legacy', tables, slot: 'siphon_bf', publication: 'siphon_bf', setReplicaIdentityFull: true, pollIntervalMs: 5 });
    await capture.start(logSink(log, 'legacy'));
  });
  afterAll(async () => {
    await capture?.stop().catch(() => undefined);
    await db?.close(); await dropLog?.(); await fresh?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every row while a writer changes the table being copied; next equals legacy row for row', async () => {
    const applier = new MirrorApplier(join(dir, 'next.sqlite'));
    const path = new DataPath({ log, applier });
    await path.start();
    const settings = new Map<string, JsonValue>();
    const store: SettingsStore = { getSetting: async (k) => settings.get(k), setSetting: async (k, v) => { settings.set(k, v); } };
    const backfill = createBackfill({ tables: [{ table: 'acct' }, { table: 'pair' }], chunkSize: 200, throttle: { checkIntervalMs: 20 } },
      { legacy: db, source: 'legacy', applier, path, settings: store });
    // the writer: updates, inserts past the end and below the start, deletes, across the whole key range
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      const w = await openDatabase(fresh.url);
      try {
        for (let i = 0; writing; i++) {
          const id = ((i * 7919) % (ROWS + 400)) - 300;
          const op = i % 5;
          if (op === 0) await w.execute(`DELETE FROM acct WHERE id = ${id}`);
          else if (op === 1) await w.execute(`INSERT INTO acct (id, name, n) VALUES (${ROWS + i}, 'new ${i}', ${i})`);
          else await w.execute(`UPDATE acct SET n = n + 1, name = 'upd ${i}' WHERE id = ${id}`);
          writes++;
          // SQLite's driver is synchronous: yield so capture, the data path and the backfill run too
          await new Promise((r) => setImmediate(r));
        }
      } finally { await w.close(); }
    })();
    await backfill.start();
    // an operator pause holds the copy and says why; resume lets it go on
    await setBackfillPause(store, true, 'test pause');
    await waitFor(async () => backfill.status(), (s) => s.state === 'paused' || s.state === 'done', 'paused');
    const paused = backfill.status();
    if (paused.state === 'paused') expect(paused.pauseReason).toMatchObject({ kind: 'operator', reason: 'test pause' });
    await setBackfillPause(store, false);
    await backfill.finished;
    writing = false;
    await writer;
    // the data path has applied everything written before this probe once the probe comes back through capture
    const probe = path.expectProbe('drained');
    await writeWatermark(db, 'drained', 'low', null);
    await probe;

    for (const [table, key] of [['acct', ['id']], ['pair', ['a', 'b']]] as const) {
      const legacyRows = await db.query(`SELECT * FROM ${table}`);
      const truth = new Map(legacyRows.map((r) => [keyToText(key.map((k) => r[k] ?? null)), r]));
      const next = applier.rows(table);
      expect([...next.keys()].sort(), `${table}: same keys`).toEqual([...truth.keys()].sort());
      for (const [k, r] of truth) expect(next.get(k), `${table} ${k}`).toEqual(r);
    }
    const s = backfill.status();
    expect(s.state).toBe('done');
    expect(s.tables.map((t) => t.state)).toEqual(['done', 'done']);
    expect(writes).toBeGreaterThan(0);
    console.log(`[${dialect}] copied ${s.rowsCopied} rows in ${s.tables.reduce((a, t) => a + t.chunksDone, 0)} chunks while ${writes} writes ran; ` +
      `${s.tables.reduce((a, t) => a + t.rowsEvicted, 0)} chunk rows evicted by changes in their window, ${applier.counts.readStale} stale chunk rows skipped by versions`);
    await path.stop();
    await applier.close();
  });

  it('resumes after a stop from the stored cursor: no chunk skipped, none needed twice; re-applies a key range', async () => {
    await db.execute('CREATE TABLE big (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)');
    for (let i = 0; i < 2000; i += 500) await db.execute(`INSERT INTO big (id, v) VALUES ${Array.from({ length: 500 }, (_, j) => `(${i + j}, ${i + j})`).join(', ')}`);
    const applier = new MirrorApplier(join(dir, 'next-resume.sqlite'));
    const run = async (stopAfterChunks: number | null) => {
      const path = new DataPath({ log, applier });
      await path.start();
      const bf = createBackfill({ tables: [{ table: 'big' }], chunkSize: 100, pipelineDepth: 1 }, { legacy: db, source: 'legacy', applier, path, settings: null });
      await bf.start();
      if (stopAfterChunks !== null) {
        await waitFor(async () => bf.status().tables[0]!.chunksDone, (n) => n >= stopAfterChunks, 'some chunks');
        await bf.stop();
      } else await bf.finished;
      const st = bf.status();
      await path.stop();
      return st;
    };
    // big is not captured by this capture (its tables were fixed at start): its rows only come from chunks
    const first = await run(5);
    expect(first.state).toBe('stopped');
    const copiedFirst = first.tables[0]!.rowsCopied;
    expect(copiedFirst).toBeGreaterThanOrEqual(500);
    expect(copiedFirst).toBeLessThan(2000);
    const second = await run(null);
    expect(second.state).toBe('done');
    // the second run starts from the stored cursor: it reads only what the first did not, plus the closing empty chunk
    expect(second.tables[0]!.rowsCopied).toBe(2000);
    expect(second.tables[0]!.chunksDone).toBe(Math.ceil((2000 - copiedFirst) / 100) + 1);
    const truth = await db.query('SELECT id, v FROM big');
    const next = applier.rows('big');
    expect(next.size).toBe(truth.length);
    for (const r of truth) expect(next.get(keyToText([r['id']!]))).toEqual(r);

    // re-apply a key range (after a mapping fix): rows of (10, 20] are read again through chunks and replace what
    // next holds (their version is newer); rows outside the range stay as they are
    for (const id of [10, 11, 20, 21]) applier.tamper('big', keyToText([int(id)]), { id: int(id), v: int(-1) });
    const path = new DataPath({ log, applier });
    await path.start();
    const bf = createBackfill({ tables: [{ table: 'big' }], chunkSize: 4 }, { legacy: db, source: 'legacy', applier, path, settings: null });
    const re = await bf.reapply('big', { after: [int(10)], until: [int(20)] });
    await path.stop();
    expect(re).toMatchObject({ table: 'big', rowsRead: 10 });
    const after = applier.rows('big');
    expect([10, 11, 20, 21].map((id) => toPlain(after.get(keyToText([int(id)]))!['v']!))).toEqual([-1, 11, 20, -1]);
    await applier.close();
  });
});
