import type { Database } from '../backends/types.js';

/** Committed write statements by `TABLE op` (e.g. `REGLEMENT insert`). */
export type WriteCounts = Record<string, number>;

const WRITE_RE = /^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"[]?([A-Za-z_][A-Za-z0-9_]*)/i;

function writeOf(sql: string): string | undefined {
  const m = WRITE_RE.exec(sql);
  if (!m) return undefined;
  const verb = m[1]!.toUpperCase();
  const op = verb.startsWith('INSERT') ? 'insert' : verb.startsWith('UPDATE') ? 'update' : 'delete';
  return `${m[2]!.toUpperCase()} ${op}`;
}

/**
 * The legacy app's database handle, seen from outside: counts the write statements the app commits (a statement
 * inside a transaction counts only once the transaction commits), by table and op. It is the demo's independent
 * witness of "what the legacy app wrote", to set against what trigger capture put into the log. The billing app's
 * writes are all keyed single-row statements (INSERT one payment, UPDATE one invoice/customer by key), so one
 * statement is one row change. Everything else is passed through untouched.
 */
export function countingDatabase(db: Database, counts: WriteCounts): Database {
  const wrap = (target: Database, record: (w: string) => void): Database => new Proxy(target, {
    get(t, prop) {
      if (prop === 'execute') {
        return async (sql: string, params?: Parameters<Database['execute']>[1]) => {
          await t.execute(sql, params);
          const w = writeOf(sql);
          if (w) record(w);
        };
      }
      if (prop === 'transaction') {
        return async <T>(fn: (tx: Database) => Promise<T>): Promise<T> => {
          const pending: string[] = [];
          const out = await t.transaction((tx) => fn(wrap(tx, (w) => pending.push(w))));
          for (const w of pending) record(w); // committed: only now do its writes count
          return out;
        };
      }
      const v = Reflect.get(t, prop, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return wrap(db, (w) => { counts[w] = (counts[w] ?? 0) + 1; });
}
