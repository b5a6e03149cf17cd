import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataPath } from '../../src/backfill/data-path.js';
import { cursorConsumer, decodeCursor } from '../../src/backfill/cursor.js';
import { copyTable, type CopyContext, type TableProgress } from '../../src/backfill/table-copy.js';
import { Throttle } from '../../src/backfill/throttle.js';
import type { EventLog } from '../../src/log/types.js';
import { Gate, Legacy, ModelNext, TABLE, legacyDatabase } from './model.js';

/**
 * Must-show property (issue 12): random interleavings of legacy inserts, updates and deletes, chunk reads, watermark
 * positions, re-drives and crashes always converge to next == to(legacy) for every key, and no chunk row ever replaces
 * a newer change. The real merger, data path and table copy run against a model legacy (every write captured at an
 * increasing position) and a model next (the Applier contract: compare-and-set versions, checkpoint CAS). Every
 * legacy read, watermark write and apply is held by a gate; the generated schedule decides which runs when, and when
 * the process crashes (its held operations are dropped, its memory forgotten; legacy, the log and next survive).
 */

type Action =
  | { kind: 'write'; key: number; value: number }
  | { kind: 'delete'; key: number }
  | { kind: 'step'; pick: number }
  | { kind: 'consume'; entries: number }
  | { kind: 'redrive'; pick: number }
  | { kind: 'crash' };

const KEYS = fc.integer({ min: -4, max: 12 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), key: KEYS, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: KEYS }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('step' as const), pick: fc.nat(8) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('consume' as const), entries: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redrive' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const) }) },
);

/** Let every promise chain that can move on do so (the gate holds all I/O, so no timer is involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

interface Process {
  readonly owner: number;
  readonly path: DataPath;
  copy: 'running' | 'done' | 'failed';
  consuming: boolean;
  error?: unknown;
}

async function run(initial: readonly [number, number][], actions: readonly Action[], chunkSize: number, depth: number): Promise<void> {
  const legacy = new Legacy();
  for (const [k, v] of initial) legacy.write(k, v); // rows that exist before the backfill starts (capture already ran)
  const violations: string[] = [];
  const next = new ModelNext((k, v, version) => {
    const truth = legacy.valueAt(k, version);
    if (truth !== v) violations.push(`chunk row ${k}=${v} applied at version ${version} where legacy held ${truth}`);
  });
  const gate = new Gate();
  const log = {} as EventLog; // the model feeds the data path itself (process), it never tails
  let owner = 0;

  const startProcess = async (): Promise<Process> => {
    const me = ++owner;
    const applier = next.applier(gate, me);
    const path = new DataPath({ log, applier, retries: 1 });
    await path.open();
    const db = legacyDatabase(legacy, gate, me);
    const throttle = new Throttle({ heartbeatMaxMs: 0, maxLagSeconds: 0 }, { legacy: db, lagSeconds: () => null, readPause: null });
    const p: Process = { owner: me, path, copy: 'running', consuming: false };
    const ctx: CopyContext = { legacy: db, source: 'legacy', applier, path, throttle, chunkSize, depth, stopped: () => false };
    const progress: TableProgress = { rowsCopied: 0, chunksDone: 0, chunksRetried: 0, rowsEvicted: 0 };
    copyTable(ctx, TABLE, TABLE, progress).then(() => { p.copy = 'done'; }, (e: unknown) => { p.copy = 'failed'; p.error = e; });
    await settle();
    return p;
  };
  const consume = (p: Process, n: number) => {
    if (p.consuming) return;
    const from = p.path.appliedThrough === null ? 0 : Number(p.path.appliedThrough);
    const batch = legacy.log.slice(from, from + n);
    if (batch.length === 0) return;
    p.consuming = true;
    void p.path.process(batch).finally(() => { p.consuming = false; });
  };

  let p = await startProcess();
  for (const a of actions) {
    switch (a.kind) {
      case 'write': legacy.write(a.key, a.value); break;
      case 'delete': legacy.write(a.key, null); break;
      case 'step': gate.step(a.pick); break;
      case 'consume': consume(p, a.entries); break;
      case 'redrive': {
        // a re-driven old change (quarantine retry, redelivery) through the same applier: versions make it harmless
        const changes = legacy.log.filter((e) => e.record.kind === 'change');
        if (changes.length > 0) next.apply([{ change: changes[a.pick % changes.length]!.record as never, origin: 'retry' }]);
        break;
      }
      case 'crash':
        gate.kill(p.owner);
        p = await startProcess();
        break;
    }
    await settle();
    expect(p.copy).not.toBe('failed');
  }
  // drain: no more legacy writes; run everything until the copy is done and the log fully applied
  for (let guard = 0; ; guard++) {
    if (guard > 100_000) throw new Error('did not converge');
    const logDone = (p.path.appliedThrough === null ? 0 : Number(p.path.appliedThrough)) >= legacy.log.length;
    if (p.copy !== 'running' && logDone && gate.size === 0 && !p.consuming) break;
    if (!gate.step(0)) consume(p, 5);
    await settle();
  }
  if (p.copy === 'failed') throw p.error;
  expect(violations).toEqual([]);
  expect(decodeCursor('t', next.checkpoints.get(cursorConsumer(TABLE)) ?? null).done).toBe(true);
  // next == to(legacy) for every key (to() is the identity on v here; a tombstone is an absent row)
  const nextRows = new Map([...next.rows].filter(([, r]) => r.v !== null).map(([k, r]) => [k, r.v]));
  expect(Object.fromEntries([...nextRows].sort((a, b) => a[0] - b[0]))).toEqual(Object.fromEntries([...legacy.rows].sort((a, b) => a[0] - b[0])));
}

describe('DBLog backfill (property)', () => {
  it('converges to next == to(legacy) and never lets a chunk row replace a newer change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(KEYS, fc.integer({ min: 0, max: 99 })), { maxLength: 14 }),
        fc.array(action, { maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (initial, actions, chunkSize, depth) => run(initial, actions, chunkSize, depth),
      ),
      { numRuns: 300 },
    );
  });

  it('copies rows that exist before the first chunk, keys <= 0 included, with no write at all during the copy', async () => {
    await run([[-3, 1], [0, 2], [5, 3], [9, 4]], [], 2, 2);
  });
});
