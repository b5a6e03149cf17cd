import type { TableVerifyReport } from '../types.js';
import type { ThreadData } from './protocol.js';
import type { TablePart } from '../parts.js';
import { verifyThreadEntry, type ThreadEntry } from './thread-bundle.js';
import { ThreadSlot, type TableHooks } from './thread-slot.js';

const PROFILE = process.env.SIPHON_VERIFY_PROFILE === '1';

/** One unit of work of a slot: a whole table, or one range of a split table (`parts.ts`). */
export interface VerifyTask {
  /** The table's name for a whole table, `TABLE#i` for its range i. */
  readonly id: string;
  readonly table: string;
  readonly part?: TablePart;
  /** Legacy rows (an estimate): the largest tasks start first, so that the slots end close together. */
  readonly size: number;
}

export interface ParallelTablesOptions {
  readonly tasks: readonly VerifyTask[];
  /** Tables whose tasks may start only once every task of these tables has ended (an entity's root: ledger marks). */
  readonly after: ReadonlyMap<string, readonly string[]>;
  /** Verify threads beside the main thread. */
  readonly threads: number;
  readonly data: ThreadData;
  /** The threads' code, when its bundling was started earlier (otherwise started here). */
  readonly entry?: Promise<ThreadEntry>;
  /** What a task asks of the main thread, by task id. */
  readonly hooks: (task: string) => TableHooks;
  /** Verifies one task on the main thread: its own slot, or only the tasks left when no thread could start. */
  readonly inMain: (task: VerifyTask) => Promise<TableVerifyReport>;
  /** false: the main thread only coordinates (it stays free for an embedding server); default true. */
  readonly mainVerifies?: boolean;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
}

/**
 * Verifies tasks on the main thread and on `threads` verify threads at once. Each slot takes the largest task
 * whose predecessor tables have ended; the main thread starts at once while the threads load the config. A thread
 * that cannot start leaves its share to the others (a warning says why); one that dies makes its task inconclusive.
 * A usage error from any task stops the run. Reports come back by task id.
 */
export async function verifyTablesInParallel(o: ParallelTablesOptions): Promise<Map<string, TableVerifyReport>> {
  const start = performance.now();
  const pending = [...o.tasks].sort((a, b) => b.size - a.size);
  const ended = new Set<string>();
  const reports = new Map<string, TableVerifyReport>();
  let wake: (() => void)[] = [];
  const changed = () => { const w = wake; wake = []; for (const f of w) f(); };
  const waitChange = () => new Promise<void>((r) => wake.push(r));
  let failed = false;
  const tableEnded = (table: string) => o.tasks.every((t) => t.table !== table || ended.has(t.id));

  const take = (): VerifyTask | null => {
    const i = pending.findIndex((t) => (o.after.get(t.table) ?? []).every(tableEnded));
    return i < 0 ? null : pending.splice(i, 1)[0]!;
  };
  // a slot whose thread died stops taking tables (the one it held is inconclusive; the others go elsewhere)
  const loop = async (run: (t: VerifyTask) => Promise<TableVerifyReport>, alive: () => boolean = () => true) => {
    while (!failed && alive()) {
      const t = take();
      if (t === null) {
        if (pending.length === 0) return;
        await waitChange();
        continue;
      }
      const t0 = performance.now();
      try { reports.set(t.id, await run(t)); } catch (e) { failed = true; changed(); throw e; }
      ended.add(t.id);
      if (PROFILE) process.stderr.write(`verify ${t.id}: ${(t0 - start).toFixed(0)} → ${(performance.now() - start).toFixed(0)} ms\n`);
      changed();
    }
  };

  // the threads' code is bundled (in esbuild's own process) while this thread already verifies
  const entry = o.entry ?? verifyThreadEntry(o.data.configFile);
  const slots: ThreadSlot[] = [];
  const threadSlot = async () => {
    const e = await entry;
    if (PROFILE) process.stderr.write(`verify threads: ${e.bundled ? 'bundle' : `tsx entry, ${e.why}`} at ${(performance.now() - start).toFixed(0)} ms\n`);
    if (failed || pending.length === 0) return;
    const s = new ThreadSlot(e, o.data, o.hooks, o.signal);
    slots.push(s);
    if (!(await s.ready())) { o.onWarning?.(`a verify thread ${s.why}; its tables run on the other threads`); return; }
    if (PROFILE) process.stderr.write(`verify thread ready at ${(performance.now() - start).toFixed(0)} ms\n`);
    await loop((t) => s.run(t), () => s.why === null);
  };
  try {
    // every slot ends its table before the run ends, also when one failed (no verification left running behind)
    const threadsDone = Promise.allSettled(Array.from({ length: o.threads }, threadSlot));
    // a coordinating main thread still verifies what no thread could take (none started)
    const outcomes = await Promise.allSettled([
      o.mainVerifies === false ? threadsDone.then(() => loop(o.inMain)) : loop(o.inMain),
      threadsDone.then((xs) => { const f = xs.find((x): x is PromiseRejectedResult => x.status === 'rejected'); if (f) throw f.reason; }),
    ]);
    const failure = outcomes.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    await Promise.all(slots.map((s) => s.close()));
    await (await entry).dispose().catch(() => undefined);
  }
  return reports;
}
