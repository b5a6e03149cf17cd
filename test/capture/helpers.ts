import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, EventLog } from '../../src/log/types.js';
import { openLog } from '../../src/log/open.js';
import { freshDatabase } from '../support/engines.js';

/** A fresh SQLite event log in a temp dir. */
export async function freshSqliteLog(): Promise<{ log: EventLog; url: string; drop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-capture-log-'));
  const url = `sqlite:${join(dir, 'log.sqlite')}`;
  const log = await openLog(url);
  return { log, url, drop: async () => { await log.close().catch(() => undefined); rmSync(dir, { recursive: true, force: true }); } };
}

/** A PostgreSQL log in a database of its own (dropped by `drop`). */
export async function freshPostgresLog(): Promise<{ log: EventLog; url: string; drop: () => Promise<void> }> {
  const db = await freshDatabase('postgres', 'siphon_log');
  const url = `${db.url}?schema=capture_log`;
  const log = await openLog(url);
  return { log, url, drop: async () => { await log.close().catch(() => undefined); await db.drop(); } };
}

/** Every entry of the log (after `from`), in order. */
export async function readAll(log: EventLog, from: string | null = null): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let after: string | null = from;
  for (;;) {
    const batch: LogEntry[] = (await log.read(after, 5000)).filter((e) => after === null || log.compareOffsets(e.offset, after) > 0);
    if (batch.length === 0) return out;
    out.push(...batch);
    after = batch[batch.length - 1]!.offset;
  }
}

/** Poll until `pred` holds (bounded by the test timeout; never asserts a duration). */
export async function waitFor<T>(fn: () => Promise<T>, pred: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? String(x) : x).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
