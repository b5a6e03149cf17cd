// A capture process for the crash test: runs capture until it is killed. Prints "ready" once capture runs.
import { openDatabase } from '../../src/backends/open.js';
import { openLog } from '../../src/log/open.js';
import { createCapture } from '../../src/capture/open.js';
import { logSink } from '../../src/capture/sink.js';
import type { CaptureMethod } from '../../src/capture/types.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`crash-child: ${k} is not set`);
  return v;
};
const url = env('CRASH_LEGACY'), method = env('CRASH_METHOD') as CaptureMethod, source = env('CRASH_SOURCE');
const db = await openDatabase(url);
const log = await openLog(env('CRASH_LOG'));
const cap = createCapture(db, url, method, {
  source, tables: env('CRASH_TABLES').split(','), batchSize: 50, pollIntervalMs: 5,
  slot: process.env.CRASH_SLOT, publication: process.env.CRASH_SLOT, createSlot: true,
});
await cap.start(logSink(log, source));
process.stdout.write('ready\n');
cap.finished.catch((e: Error) => { process.stderr.write(`capture failed: ${e.message}\n`); process.exit(3); });
setInterval(() => undefined, 1 << 30);
