// @ts-check
/**
 * The PostgreSQL log's append thread (protocol and why: src/log/append-thread.ts). It owns one connection and stores the batches it is
 * given, one transaction each, strictly in the order they arrive: BEGIN; COPY of the COPY text the caller encoded;
 * then one query with the rows' positions, the NOTIFY, the source position and COMMIT.
 *
 * Why a thread: each of those round trips used to wait for a turn of the caller's event loop, which capture keeps
 * busy decoding the binary log; here they are answered at once, and the socket and protocol work leave that loop.
 *
 * Plain JavaScript (checked by tsc through @ts-check) so that Node loads it as is in every setting: compiled package,
 * tsx, vitest. It imports nothing from the TypeScript sources.
 *
 * Fail-stop: a batch marked `chained` (issued while earlier ones were in flight) is stored only if the batch before it
 * was; otherwise it is answered `earlier` without touching the database.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

/**
 * @typedef {{ connectionString: string, entries: string, sources: string, channel: string }} Setup
 * @typedef {{ type: 'append', id: number, chained: boolean, rows: number, chunks: ArrayBuffer[],
 *   source: string | null, position: string | null } | { type: 'skip', id: number, chained: boolean, reason: string }} Request
 * @typedef {{ xid: string, first: string, last: string, listed: string | null }} Stored
 * @typedef {{ id: number, ok: true, result: Stored }
 *   | { id: number, ok: false, earlier: boolean, message: string, code: string | null }} Reply
 */

const setup = /** @type {Setup} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @type {pg.Client | null} */
let client = null;
let previousFailed = false;
/** @type {(Request | { type: 'close' })[]} */
const queue = [];
let running = false;

/** @returns {Promise<pg.Client>} */
async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: setup.connectionString });
  // an error on an idle connection (server restart) must not kill the thread: the next append reconnects
  c.on('error', () => { if (client === c) client = null; });
  await c.connect();
  client = c;
  return c;
}

/**
 * COPY the chunks honouring the stream's backpressure; the server's row count.
 * @param {pg.Client} c @param {string} sql @param {ArrayBuffer[]} chunks @returns {Promise<number>}
 */
async function copyRows(c, sql, chunks) {
  const stream = c.query(copyStreams.from(sql));
  /** @type {Promise<never>} */
  const failed = new Promise((_, reject) => stream.on('error', reject));
  failed.catch(() => undefined);
  /** @type {Promise<void>} */
  const finished = new Promise((resolve) => stream.on('finish', () => resolve()));
  try {
    for (const chunk of chunks) {
      if (!stream.write(Buffer.from(chunk))) await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
    }
  } catch (e) {
    stream.destroy(/** @type {Error} */ (e));
    await Promise.race([finished, failed]).catch(() => undefined);
    throw e;
  }
  stream.end();
  await Promise.race([finished, failed]);
  return stream.rowCount;
}

/** @param {Extract<Request, { type: 'append' }>} r @returns {Promise<Stored>} */
async function store(r) {
  const c = await connection();
  try {
    await c.query('BEGIN');
    if (r.rows > 0) {
      // COPY inserts in stream order, so positions follow the batch order; one append is one transaction, so the
      // rows of this transaction are exactly this batch
      const copied = await copyRows(c, `COPY ${setup.entries} (source, tbl, kind, op, record) FROM STDIN`, r.chunks);
      if (copied !== r.rows) throw new Error(`copied ${copied} of ${r.rows} entries`);
    }
    const statements = [];
    // The rows' positions: an identity takes them in COPY order, so they are first..last unless another session took
    // values in between (then, and only then, they are listed). min and max are two index probes, where listing
    // them all read back every row of the batch.
    if (r.rows > 0) {
      statements.push(`SELECT b.xid::text AS xid, b.lo::text AS first, b.hi::text AS last,
              CASE WHEN b.hi - b.lo + 1 <> ${r.rows} THEN (SELECT string_agg(position::text, ',' ORDER BY position)
                FROM ${setup.entries} WHERE transaction_id = b.xid) END AS listed,
              pg_notify(${c.escapeLiteral(setup.channel)}, '')::text AS notified
            FROM (SELECT pg_current_xact_id() AS xid, min(position) AS lo, max(position) AS hi
                  FROM ${setup.entries} WHERE transaction_id = pg_current_xact_id()) b`);
    }
    if (r.source !== null && r.position !== null) {
      // (literals: a multi-statement query takes no parameters; escapeLiteral quotes any text safely)
      statements.push(`INSERT INTO ${setup.sources} (source, position)
        VALUES (${c.escapeLiteral(r.source)}, ${c.escapeLiteral(r.position)})
        ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = now()`);
    }
    statements.push('COMMIT');
    const results = /** @type {pg.QueryResult | pg.QueryResult[]} */ (/** @type {unknown} */ (await c.query(statements.join(';\n'))));
    if (r.rows === 0) return { xid: '', first: '', last: '', listed: null };
    return /** @type {{ xid: string, first: string, last: string, listed: string | null }} */ ((Array.isArray(results) ? results[0] : results)?.rows[0]);
  } catch (e) {
    // a connection whose ROLLBACK failed (lost, COPY aborted mid-stream) is dropped; the next append reconnects
    await c.query('ROLLBACK').catch(() => {
      if (client === c) client = null;
      c.end().catch(() => undefined);
    });
    throw e;
  }
}

/** @param {Request} r @returns {Promise<Reply>} */
async function handle(r) {
  if (r.chained && previousFailed) {
    return { id: r.id, ok: false, earlier: true, message: 'an earlier append still in flight failed', code: null };
  }
  if (r.type === 'skip') {
    previousFailed = true;
    return { id: r.id, ok: false, earlier: false, message: r.reason, code: null };
  }
  try {
    const out = await store(r);
    previousFailed = false;
    return { id: r.id, ok: true, result: out };
  } catch (e) {
    previousFailed = true;
    const err = /** @type {Error & { code?: unknown }} */ (e);
    return { id: r.id, ok: false, earlier: false, message: err?.message ?? String(e), code: typeof err?.code === 'string' ? err.code : null };
  }
}

/** Like the log's pool: a connection idle this long is closed (reopened by the next append). */
const IDLE_MS = 10_000;
/** @type {NodeJS.Timeout | null} */
let idleTimer = null;

function closeWhenIdle() {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    const c = client;
    client = null;
    void c?.end().catch(() => undefined);
  }, IDLE_MS);
  idleTimer.unref();
}

async function drain() {
  if (running) return;
  running = true;
  if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
  for (let r = queue.shift(); r; r = queue.shift()) {
    if (r.type === 'close') {
      // queued after every append sent before it, so those are answered first
      if (idleTimer) clearTimeout(idleTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
      port.close();
      return;
    }
    port.postMessage(await handle(r));
  }
  running = false;
  closeWhenIdle();
}

port.on('message', (/** @type {Request | { type: 'close' }} */ m) => {
  queue.push(m);
  void drain();
});
