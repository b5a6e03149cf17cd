import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { builtinConsumers, ConsumerRegistry, DuplicateConsumerError } from '../../src/log/consumers/index.js';
import { openLog } from '../../src/log/open.js';
import type { LogEntry } from '../../src/log/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { change } from './logs.js';

async function cli(registry: ConsumerRegistry, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const ow = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => { stdout += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { stderr += String(s); return true; }) as typeof process.stderr.write;
  try {
    process.exitCode = undefined;
    const code = await run(['node', 'siphon', ...args], { consumers: registry });
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow; process.stderr.write = ew; process.exitCode = undefined;
  }
}

describe('log consumers: an explicit registry handed to the CLI', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase('sqlite', 'siphon_consumers');
    const log = await openLog(db.url);
    await log.append([change(1, 'orders'), change(2, 'customers')]);
    await log.close();
  });
  afterAll(() => db.drop());

  it('builtinConsumers() gives print and count, a new registry each time', () => {
    const a = builtinConsumers();
    expect(a.names()).toEqual(['count', 'print']);
    a.register('mine', () => ({ name: 'mine', handle: () => undefined }));
    expect(builtinConsumers().names()).toEqual(['count', 'print']);
  });

  it('a name registered twice is refused', () => {
    expect(() => builtinConsumers().register('print', () => ({ name: 'print', handle: () => undefined }))).toThrow(DuplicateConsumerError);
  });

  it('an unexpected error in a consumer is reported by its message, without a stack trace (exit 1)', async () => {
    const registry = builtinConsumers().register('broken', () => ({ name: 'broken', durable: false, handle: () => { throw new Error('boom'); } }));
    const r = await cli(registry, 'log', 'replay', '--log', db.url, '--from', '1', '--consumer', 'broken');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('siphon: boom (unexpected error: SIPHON_DEBUG=1 shows where)\n');
  });

  it('log replay runs a consumer only when the program was built with it', async () => {
    const seen: string[] = [];
    const registry = builtinConsumers().register('spy', () => ({
      name: 'spy', durable: false, handle: (b: readonly LogEntry[]) => { for (const e of b) seen.push(e.offset); },
    }));
    const withSpy = await cli(registry, 'log', 'replay', '--log', db.url, '--from', '1', '--consumer', 'spy');
    expect(withSpy.code).toBe(0);
    expect(seen).toEqual(['1', '2']);
    const without = await cli(builtinConsumers(), 'log', 'replay', '--log', db.url, '--from', '1', '--consumer', 'spy');
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('unknown consumer "spy": available are count, print');
  });
});
