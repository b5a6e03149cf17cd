import { connect, createServer } from 'node:net';
import { metricsRegistry } from '../../../src/observe/metrics.js';

/** Sends raw bytes on a fresh TCP connection and returns everything received until the server closes or `ms`. */
export function rawExchange(port: number, text: string, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const done = () => { clearTimeout(t); socket.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); };
    const t = setTimeout(done, ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (e) => { clearTimeout(t); if (chunks.length) done(); else reject(e); });
  });
}

/** Current value of a counter/gauge series (0 when absent). */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metricsRegistry().getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  let sum = 0;
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value;
  }
  return sum;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true (or throws after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A port free right now on 127.0.0.1 (for a child process that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}
