import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openDatabase } from '../../backends/open.js';
import type { Database } from '../../backends/types.js';
import type { ResolvedConfig } from '../../config/types.js';
import { assertNever } from '../../errors.js';
import { describeFailure, VerifyUsageError } from '../errors.js';
import { inconclusiveTable, verifyNamedTable } from '../named-table.js';
import type { Throttle } from '../throttle.js';
import type { QuarantineView } from '../verify-table.js';
import type { TablePart } from '../parts.js';
import type { TablePlan } from '../table-plan.js';
import type { FromThread, ThreadData, ThreadRequest, ToThread } from './protocol.js';

/**
 * The body of a verify thread (started by `thread-slot.ts`, from a bundle made by `thread-bundle.ts` or through
 * `verify-thread-entry.mjs`): gets the config, opens legacy and next, then verifies each table the main thread
 * sends, with the same code as the main thread (`verifyNamedTable`). What it asks the main thread for is in
 * `protocol.ts`. Nothing runs on import: the entry calls `serveVerifyThread` with how to get the config.
 */
export function serveVerifyThread(getConfig: (data: ThreadData) => Promise<ResolvedConfig>): void {
  port = parentPort!;
  data = workerData as ThreadData;
  port.on('message', onMessage);
  void start(getConfig);
}

let port: MessagePort;
let data: ThreadData;
const post = (m: FromThread) => port.postMessage(m);

let nextId = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
type Op = ThreadRequest extends infer R ? R extends { op: infer O } ? O : never : never;
function ask<T>(op: Op, task: string, extra: Record<string, unknown> = {}): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ t: 'req', id, op, task, ...extra } as ThreadRequest);
  });
}

const stop = new AbortController();
let config: ResolvedConfig | undefined;
let legacy: Database | undefined;
let next: Database | undefined;
// the plans of split tables' ranges (a thread lives for one run)
const plans = new Map<string, Promise<TablePlan>>();
// tables run one after the other, in the order sent
let queue: Promise<void> = Promise.resolve();

function onMessage(m: ToThread): void {
  switch (m.t) {
    case 'reply': {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.ok) w.resolve(m.value); else w.reject(new Error(m.message));
      return;
    }
    case 'abort': stop.abort(); return;
    case 'table': queue = queue.then(() => runTable(m.name, m.task, m.total, m.part)); return;
    case 'close': void queue.then(close); return;
    default: assertNever(m, 'message to a verify thread');
  }
}

async function start(getConfig: (data: ThreadData) => Promise<ResolvedConfig>): Promise<void> {
  try {
    config = await getConfig(data);
    legacy = await openDatabase(config.legacy.db);
    next = await openDatabase(config.next.db);
    post({ t: 'ready' });
  } catch (e) {
    post({ t: 'start-failed', message: describeFailure(e) });
    await close();
  }
}

/** One table or one range of it; every message about it names the task, whose hooks answer in the main thread. */
async function runTable(name: string, task: string, total: number | undefined, part: TablePart | undefined): Promise<void> {
  try {
    const report = await verifyNamedTable(config!, legacy!, next!, name, {
      ...(total !== undefined ? { total } : {}), ...(part ? { part, plans } : {}),
      throttle: throttleFor(task), settler: { settle: () => ask<boolean>('settle', task) }, quarantined: quarantineFor(task),
      shared: new Set(data.shared), signal: stop.signal,
      ...(data.chunkSize ? { chunkSize: data.chunkSize } : {}), ...(data.maxRounds ? { maxRounds: data.maxRounds } : {}),
      ...(data.maxReported ? { maxReported: data.maxReported } : {}),
      ...(data.wantsDifferences ? { sink: async (differences) => { await ask('differences', task, { differences }); } } : {}),
      ...(data.wantsMatched ? {
        onMatched: async (_plan, rows) => { await ask('matched', task, { rows }); },
        onDifferent: (entityKey) => post({ t: 'different', task, entityKey }),
      } : {}),
      onProgress: (done, total) => post({ t: 'progress', task, done, total }),
    });
    post({ t: 'done', report });
  } catch (e) {
    if (e instanceof VerifyUsageError) {
      const option = String(e.context.option ?? '');
      post({ t: 'usage', option, message: e.message.startsWith(`${option}: `) ? e.message.slice(option.length + 2) : e.message });
      return;
    }
    post({ t: 'done', report: inconclusiveTable(name, describeFailure(e)) });
  }
}

/** The main thread's throttle: one budget for every table read at the same time. */
function throttleFor(task: string): Throttle {
  return {
    admit: (rows) => ask<void>('admit', task, { rows }),
    observe: (readMs) => post({ t: 'observe', task, readMs }),
    reason: null,
  };
}

function quarantineFor(task: string): QuarantineView {
  let keys = new Set<string>();
  return {
    has: (k) => keys.has(k),
    keys: () => [...keys],
    async refresh() { keys = new Set(await ask<string[]>('quarantine', task)); },
  };
}

async function close(): Promise<void> {
  await legacy?.close().catch(() => undefined);
  await next?.close().catch(() => undefined);
  port.close();
}
