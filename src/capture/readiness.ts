import type { CaptureReadiness, Database, Dialect } from '../backends/types.js';
import { TableNotFoundError } from '../backends/errors.js';
import { CaptureConfigError, CaptureNotReadyError } from './errors.js';
import { defaultMethod } from './method.js';
import { captureKey } from './tables.js';
import type { CaptureMethod } from './types.js';

/** Readiness of one capture method on legacy, for the tables to capture. */
export interface MethodReadiness extends CaptureReadiness {
  readonly method: CaptureMethod;
  /** The method `siphon capture` uses when none is named (the engine's log-based one, triggers on SQLite). */
  readonly isDefault: boolean;
  /** Per table: what keeps this method from capturing it (empty when it can). */
  readonly tables: Readonly<Record<string, readonly string[]>>;
}

export interface ReadinessOptions {
  /** pgoutput: the slot capture will use; when it exists already, a full slot table is no obstacle. */
  readonly slot?: string;
}

/**
 * Can each method capture these tables? The server-level checks of the adapter (binary log settings, privileges,
 * wal_level, slots) plus, per table, what start would refuse: a table that does not exist or has no primary key nor
 * NOT NULL unique key. `ready` is true only when nothing at all stands in the way, so that `check`, `capture install`
 * and `capture start` judge alike.
 */
export async function captureReadiness(db: Database, tables: readonly string[], options: ReadinessOptions = {}): Promise<MethodReadiness[]> {
  const server = await db.captureReadiness();
  const perTable: Record<string, string[]> = {};
  for (const t of tables) {
    try {
      const info = await db.describeTable(t, { fresh: true });
      perTable[t] = captureKey(info) ? [] : ['no primary key and no unique key on NOT NULL columns: add one, or leave the table out of capture'];
    } catch (e) {
      if (e instanceof TableNotFoundError) perTable[t] = ['table not found'];
      else throw e;
    }
  }
  const slotExists = options.slot !== undefined && db.dialect === 'postgres'
    && (await db.query('SELECT 1 AS x FROM pg_replication_slots WHERE slot_name = ?', [options.slot])).length > 0;
  const def = defaultMethod(db.dialect);
  return server.map((s) => {
    const serverProblems = s.problems.filter((p) => !(slotExists && s.method === 'pgoutput' && /no free replication slot/.test(p)));
    const tableProblems = Object.entries(perTable).flatMap(([t, ps]) => ps.map((p) => `table ${t}: ${p}`));
    const problems = [...serverProblems, ...tableProblems];
    return { ...s, ready: problems.length === 0, problems, isDefault: s.method === def, tables: perTable };
  });
}

/**
 * The method to capture with: the one asked for, else the engine's default; refused with the reasons when it is not
 * ready, naming the methods that are (so the operator can choose one explicitly — capture never switches method on
 * its own: triggers and a replication slot are different installations).
 */
export function chooseMethod(dialect: Dialect, readiness: readonly MethodReadiness[], requested: CaptureMethod | null): CaptureMethod {
  const method = requested ?? defaultMethod(dialect);
  const r = readiness.find((x) => x.method === method);
  if (!r) throw new CaptureConfigError(`${method} capture is not available on ${dialect}: use --method ${readiness.map((x) => x.method).join(' or ')}`);
  if (r.ready) return method;
  const others = readiness.filter((x) => x.ready && x.method !== method).map((x) => x.method);
  const otherProblems = readiness.filter((x) => x.method !== method).flatMap((x) => x.problems.map((p) => `${x.method}: ${p}`));
  throw new CaptureNotReadyError(method, requested === null, r.problems, others, otherProblems);
}

/** The engine's default method when it is ready for the tables, else a CaptureNotReadyError naming the ready ones. */
export async function readyDefaultMethod(db: Database, tables: readonly string[], options: ReadinessOptions = {}): Promise<CaptureMethod> {
  return chooseMethod(db.dialect, await captureReadiness(db, tables, options), null);
}

/** One line per method for messages and reports: `binlog: not ready (…)`. */
export function readinessSummary(readiness: readonly MethodReadiness[]): string {
  return readiness.map((r) => `${r.method}${r.isDefault ? ' (default)' : ''}: ${r.ready ? 'ready' : `not ready (${r.problems.join('; ')})`}`).join('; ');
}
