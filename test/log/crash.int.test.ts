import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFactory, readAll } from './logs.js';

// The log's half of "a crash loses nothing and repeats nothing": the source position is stored atomically with the
// batch (SQLite, PostgreSQL), so after a SIGKILL at any moment the stored position is exactly the last stored
// change's, and a producer resuming from it neither skips nor repeats a change. On NATS the position is stored after
// the acknowledged publish (header on the batch's last message, then KV): a kill can leave part of a batch stored
// without its position; the producer then republishes that batch and JetStream's msg-id de-duplication keeps one copy.
describe.each(['sqlite', 'postgres', 'nats'] as const)('append survives SIGKILL on %s', (engine) => {
  const f = new LogFactory(engine);
  afterAll(() => f.dropAll());

  it('every change stored once, in order, resumable from the stored position, across 4 kills', async () => {
    const url = await f.newUrl();
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/log/fixtures/appender.ts', url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // wait until it has appended a few batches, then kill it at a random moment
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        const t = setTimeout(() => reject(new Error(`appender made no progress: ${stderr}`)), 40_000);
        child.stdout.on('data', (d: Buffer) => { lines += d.toString().split('\n').length - 1; if (lines >= 3) { clearTimeout(t); resolve(); } });
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      child.kill('SIGKILL');
      await exited;

      const log = await f.open(url);
      const entries = await readAll(log, null, 1000);
      const positions = entries.map((e) => Number(e.record.position));
      expect(positions).toEqual(positions.map((_, i) => i)); // every change once, in order, none missing
      const stored = Number(await log.lastSourcePosition('crash'));
      if (engine === 'nats') {
        expect((stored + 1) % 50).toBe(0);
        expect(positions.length - (stored + 1)).toBeGreaterThanOrEqual(0); // at most the batch in flight is ahead
        expect(positions.length - (stored + 1)).toBeLessThan(50);
      } else {
        expect(positions.length % 50).toBe(0); // never half a batch
        expect(stored).toBe(positions.length - 1);
      }
      await log.close();
    }
  }, 120_000);
});
