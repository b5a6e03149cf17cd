import { randomBytes } from 'node:crypto';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { NATS_URL } from '../support/services.js';
import { openLog } from '../../src/log/open.js';
import type { EventLog, LogEntry } from '../../src/log/types.js';
import { NatsLog } from '../../src/log/nats/nats-log.js';
import { int, dec } from '../../src/values/index.js';
import type { RowChange } from '../../src/log/change.js';

export type LogEngine = 'sqlite' | 'postgres' | 'nats';
export const LOG_ENGINES: readonly LogEngine[] = ['sqlite', 'postgres', 'nats'];

/**
 * Real engines per log: SQLite file and PostgreSQL database come from freshDatabase (one per engine per test file);
 * each test gets its own log inside (a new file, a new schema, a new NATS stream), all removed by `dropAll`.
 */
export class LogFactory {
  private db: FreshDatabase | null = null;
  private opened: EventLog[] = [];
  private natsLogs: string[] = [];
  private n = 0;

  constructor(readonly engine: LogEngine) {}

  /** A URL for a new, empty log. */
  async newUrl(): Promise<string> {
    const id = `t${++this.n}_${randomBytes(3).toString('hex')}`;
    switch (this.engine) {
      case 'sqlite': {
        this.db ??= await freshDatabase('sqlite', 'siphon_log');
        return this.db.url.replace(/\.sqlite$/, `_${id}.sqlite`);
      }
      case 'postgres': {
        this.db ??= await freshDatabase('postgres', 'siphon_log');
        return `${this.db.url}?schema=log_${id}`;
      }
      case 'nats': {
        const name = `siphon_test_${Date.now().toString(36)}_${id}`;
        this.natsLogs.push(name);
        return `${NATS_URL}/${name}`;
      }
    }
  }

  /** Open (or re-open, for restart tests) a log; closed by dropAll. */
  async open(url: string): Promise<EventLog> {
    const log = await openLog(url);
    this.opened.push(log);
    return log;
  }

  async fresh(): Promise<{ url: string; log: EventLog }> {
    const url = await this.newUrl();
    return { url, log: await this.open(url) };
  }

  /**
   * Closes the logs opened so far, keeping the database: called after each test, so that a long suite holds one
   * test's connections at a time (each PostgreSQL log has a pool, a LISTEN connection and its append thread's own;
   * held to the end of the file they passed PostgreSQL's 100 clients).
   */
  async closeOpened(): Promise<void> {
    for (const l of this.opened.splice(0)) await l.close().catch(() => undefined);
  }

  async dropAll(): Promise<void> {
    await this.closeOpened();
    for (const name of this.natsLogs) {
      const l = await NatsLog.open(`${NATS_URL}/${name}`);
      await l.destroy();
    }
    this.natsLogs = [];
    await this.db?.drop();
    this.db = null;
  }
}

let positionCounter = 0;
/** A row change with a unique source position. */
export function change(id: number, table = 'orders', op: RowChange['op'] = 'insert'): RowChange {
  const pos = String(++positionCounter).padStart(10, '0');
  const row = { id: int(id), amount: dec(`${id}.25`), note: `row ${id}` };
  return {
    kind: 'change', source: 'legacy', table, key: { id: int(id) }, op,
    before: op === 'insert' || op === 'read' ? null : row,
    after: op === 'delete' ? null : { ...row, note: `row ${id} (${op})` },
    position: `pos-${pos}`, txid: null, at: '2026-01-02T03:04:05.000006Z',
  };
}

export function changes(from: number, n: number, table = 'orders'): RowChange[] {
  return Array.from({ length: n }, (_, i) => change(from + i, table));
}

/**
 * Read everything after `after` up to the last entry that exists when called, in pages of `page`. Waits for entries
 * that exist but are not visible yet: on PostgreSQL an older transaction anywhere on the cluster (another test)
 * delays visibility — a pause by design, never a gap.
 */
export async function readAll(log: EventLog, after: string | null = null, page = 100): Promise<LogEntry[]> {
  const target = (await log.stats()).lastOffset;
  const out: LogEntry[] = [];
  let cursor = after;
  const deadline = Date.now() + 30_000;
  while (target !== null && (cursor === null || log.compareOffsets(cursor, target) < 0)) {
    const b = await log.read(cursor, page);
    if (b.length === 0) {
      if (Date.now() > deadline) throw new Error(`entries up to ${target} did not become visible within 30 s (read up to ${cursor})`);
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    out.push(...b);
    cursor = b[b.length - 1]!.offset;
  }
  return out;
}

/** The first `n` entries after `after`, waiting for them to be visible. */
export async function readVisible(log: EventLog, after: string | null, n: number): Promise<LogEntry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const b = await log.read(after, n);
    if (b.length >= n) return b;
    if (Date.now() > deadline) throw new Error(`only ${b.length} of ${n} entries visible after 30 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
