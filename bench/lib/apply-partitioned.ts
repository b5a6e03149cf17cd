/**
 * bench:apply's partitioned round: the same log applied by P appliers, each with its own next connection, its own
 * checkpoint and the changes of its entities (billing: customer = CLI_ID, which every legacy table carries, so a
 * customer's rows and their foreign keys stay in one partition, in log order). This is the `apply(items)` seam used
 * as issue 12 plans it ("partitioned by entity key so that several appliers can share it"): PostgreSQL then works
 * on P batches at once, while Siphon's own CPU stays one thread.
 */
import { join } from 'node:path';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import type { EventLog } from '../../src/log/types.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { openStateStore } from '../../src/state/open.js';
import { createApplier } from '../../src/apply/index.js';
import type { ApplyItem } from '../../src/apply/types.js';
import { toPlain } from '../../src/values/index.js';

export interface PartitionedRound { readonly changes: number; readonly ms: number; readonly cpuUs: number; readonly quarantined: number }

export async function partitionedRound(o: { log: EventLog; config: ResolvedConfig; nextUrl: string; dir: string; round: number; partitions: number; batch: number }): Promise<PartitionedRound> {
  const P = o.partitions;
  const nexts: Database[] = [];
  const state = await openStateStore(`sqlite:${join(o.dir, `state-p-${o.round}.sqlite`)}`);
  try {
    const appliers = [];
    // one after the other: creating Siphon's tables is not meant to race with itself
    for (let i = 0; i < P; i++) {
      const next = await openDatabase(o.nextUrl);
      nexts.push(next);
      appliers.push(await createApplier({ config: o.config, next, state }));
    }
    const after: (string | null)[] = new Array<string | null>(P).fill(null);
    const inFlight: Promise<unknown>[] = new Array<Promise<unknown>>(P).fill(Promise.resolve());
    let n = 0, quarantined = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let page = o.log.read(null, o.batch);
    for (;;) {
      const entries = await page;
      if (entries.length === 0) break;
      const last = entries[entries.length - 1]!.offset;
      page = o.log.read(last, o.batch);
      const parts: ApplyItem[][] = Array.from({ length: P }, () => []);
      for (const e of entries) {
        if (e.record.kind !== 'change') continue;
        const image = e.record.after ?? e.record.before;
        const cli = image?.['CLI_ID'];
        const k = cli === undefined || cli === null ? 0 : Number(toPlain(cli));
        parts[Number.isFinite(k) ? Math.abs(k) % P : 0]!.push({ change: e.record, origin: 'capture' });
        n++;
      }
      // at most two batches in flight per partition, as the single consumer runs
      const previous = inFlight.slice();
      for (let i = 0; i < P; i++) {
        // every partition moves its own checkpoint over every batch (an empty part too), in log order
        inFlight[i] = appliers[i]!.apply(parts[i]!, { checkpoint: { consumer: `bench-p${o.round}-${i}`, expected: after[i]!, next: last } })
          .then((r) => { quarantined += r.quarantined; });
        after[i] = last;
      }
      await Promise.all(previous);
    }
    await Promise.all(inFlight);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    for (const a of appliers) await a.close();
    return { changes: n, ms, cpuUs: cpu.user + cpu.system, quarantined };
  } finally {
    await state.close();
    for (const nx of nexts) await nx.close();
  }
}
