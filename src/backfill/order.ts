/**
 * Which table the backfill copies next (`createBackfill`'s scheduler, kept apart so a property test can drive it):
 * tables in parallel (bounded), each started only once the tables it is `after` are done. A child table started
 * before its parents sends chunks whose rows wait for their parents (`missing-parent`) and come in again one by one,
 * off the bulk path; copied after them, its rows find their parents in next.
 *
 * Never stalls on the order: with nothing copying and nothing ready (a cycle, a parent stopped or failed, a name not
 * in the backfill counts as done already), the first waiting table starts anyway.
 */

export interface Ordered {
  readonly table: string;
  readonly after?: readonly string[] | undefined;
}

/**
 * Runs `copy` for every table, at most `parallel` at a time, parents first. `copy` resolves true when the table is
 * done (false: stopped before the end, its children are not held back by it any more than by a failure: the order
 * breaks only when nothing else can run). Rejects with the first failure; no table starts after it.
 */
export async function copyParentsFirst<T extends Ordered>(tables: readonly T[], parallel: number, copy: (t: T) => Promise<boolean>,
  stopped: () => boolean): Promise<void> {
  const queue = [...tables];
  const listed = new Set(tables.map((t) => t.table));
  const done = new Set<string>();
  let copying = 0;
  let failed = false;
  let wake = () => {};
  let changed = new Promise<void>((r) => { wake = r; });
  const signal = () => { const w = wake; changed = new Promise<void>((r) => { wake = r; }); w(); };
  const pick = (): T | null => {
    const ready = queue.findIndex((t) => (t.after ?? []).every((d) => done.has(d) || !listed.has(d) || d === t.table));
    const i = ready >= 0 ? ready : copying === 0 ? 0 : -1;
    return i < 0 ? null : queue.splice(i, 1)[0]!;
  };
  const worker = async () => {
    while (!stopped() && !failed && queue.length > 0) {
      const t = pick();
      if (!t) { await changed; continue; }
      copying++;
      try {
        if (await copy(t)) done.add(t.table);
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        copying--;
        signal();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tables.length) }, worker));
}
