// @ts-check
/**
 * The SQLite log's append thread (protocol and why: src/log/append-thread.ts). It opens its own connection to the
 * log file and stores the batches it is given, one write transaction each (BEGIN IMMEDIATE: the file's one writer
 * at a time), strictly in the order they arrive: multi-row INSERTs of the already-encoded rows, then the source
 * position. The statements and the fsync of each commit (synchronous=FULL) no longer stop the caller's event loop.
 *
 * Plain JavaScript (checked by tsc through @ts-check) so that Node loads it as is in every setting: compiled package,
 * tsx, vitest. It imports nothing from the TypeScript sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * @typedef {{ path: string, fsync: boolean }} Setup
 * @typedef {{ type: 'append', id: number, chained: boolean, rows: number,
 *   dict: [string, string, string, string | null][], combo: Int32Array, records: ArrayBuffer, now: number,
 *   spSource: string | null, spPosition: string | null } | { type: 'skip', id: number, chained: boolean, reason: string }} Request
 *   (a row's source, table, kind and op are dict[combo[row]]; the records' JSON texts are joined by NUL, in UTF-8)
 * @typedef {{ id: number, ok: true, result: number[] }
 *   | { id: number, ok: false, earlier: boolean, message: string, code: string | null }} Reply
 * @typedef {Database.Statement<[(string | number | null)[]]>} Insert
 */

const setup = /** @type {Setup} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** Rows per INSERT statement (6 parameters each, far below SQLite's 32,766 parameter limit). */
const INSERT_CHUNK = 128;
/** @param {number} n */
const insertSql = (n) =>
  `INSERT INTO siphon_log (source, tbl, kind, op, record, appended_at) VALUES ${new Array(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;

/** @type {{ db: Database.Database, bySize: Map<number, Insert>, upsertSource: Database.Statement<[string, string, number | null, number]> } | null} */
let conn = null;

function connection() {
  if (conn) return conn;
  const db = new Database(setup.path);
  // (the log's own connection created the file, the tables and WAL mode; these settings are per connection)
  db.pragma(`synchronous = ${setup.fsync ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 10000');
  conn = {
    db,
    bySize: new Map(),
    upsertSource: db.prepare(`INSERT INTO siphon_log_sources (source, position, seq, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (source) DO UPDATE SET position = excluded.position, seq = excluded.seq, updated_at = excluded.updated_at`),
  };
  return conn;
}

/** @param {number} n @returns {Insert} */
function insertOf(n) {
  const c = connection();
  let s = c.bySize.get(n);
  if (!s) { s = /** @type {Insert} */ (c.db.prepare(insertSql(n))); c.bySize.set(n, s); }
  return s;
}

/**
 * One write transaction; returns the [first, last] seqs of each statement's rows. Inside it nobody else inserts,
 * so the rows of one statement get consecutive AUTOINCREMENT seqs ending at lastInsertRowid.
 * @param {Extract<Request, { type: 'append' }>} r @returns {number[]}
 */
function store(r) {
  const c = connection();
  const records = r.rows === 0 ? [] : Buffer.from(r.records).toString('utf8').split('\0');
  if (records.length !== r.rows) throw new Error(`got ${records.length} encoded records for ${r.rows} rows`);
  return c.db.transaction(() => {
    /** @type {number[]} */
    const spans = [];
    /** @type {number | null} */
    let last = null;
    let i = 0;
    while (i < r.rows) {
      const n = Math.min(INSERT_CHUNK, r.rows - i);
      /** @type {(string | number | null)[]} */
      const params = new Array(n * 6);
      for (let j = 0; j < n; j++) {
        const k = i + j, b = j * 6;
        const d = r.dict[r.combo[k] ?? -1];
        if (!d) throw new Error(`row ${k} has no (source, table, kind, op)`);
        params[b] = d[0]; params[b + 1] = d[1]; params[b + 2] = d[2]; params[b + 3] = d[3];
        params[b + 4] = records[k] ?? ''; params[b + 5] = r.now;
      }
      const info = insertOf(n).run(params);
      last = Number(info.lastInsertRowid);
      if (info.changes !== n) throw new Error(`inserted ${info.changes} of ${n} entries`);
      spans.push(last - n + 1, last);
      i += n;
    }
    if (r.spSource !== null && r.spPosition !== null) c.upsertSource.run(r.spSource, r.spPosition, last, r.now);
    return spans;
  }).immediate();
}

let previousFailed = false;

/** @param {Request} r @returns {Reply} */
function handle(r) {
  if (r.chained && previousFailed) {
    return { id: r.id, ok: false, earlier: true, message: 'an earlier append still in flight failed', code: null };
  }
  if (r.type === 'skip') {
    previousFailed = true;
    return { id: r.id, ok: false, earlier: false, message: r.reason, code: null };
  }
  try {
    const result = store(r);
    previousFailed = false;
    return { id: r.id, ok: true, result };
  } catch (e) {
    previousFailed = true;
    const err = /** @type {Error & { code?: unknown }} */ (e);
    return { id: r.id, ok: false, earlier: false, message: err?.message ?? String(e), code: typeof err?.code === 'string' ? err.code : null };
  }
}

// Messages are handled one at a time (store is synchronous), so requests are answered in the order they came.
port.on('message', (/** @type {Request | { type: 'close' }} */ m) => {
  if (m.type === 'close') {
    conn?.db.close();
    conn = null;
    port.close();
    return;
  }
  port.postMessage(handle(m));
});
