import type { KV, KvEntry } from 'nats';
import { CheckpointConflictError } from '../errors.js';
import type { ConsumerCheckpoint, LogOffset } from '../types.js';

interface StoredCheckpoint { offset: LogOffset | null; updatedAt: string }
interface StoredSource { position: string; seq: number | null }

const live = (e: KvEntry | null): e is KvEntry => e !== null && e.operation === 'PUT';

/**
 * Consumer checkpoints and source positions in a JetStream KV bucket. Compare-and-set uses the KV revision:
 * read the entry, check its offset is the expected one, update with that revision; a concurrent writer makes the
 * update fail, which is reported as a CheckpointConflictError with the value found.
 */
export class KvCheckpoints {
  constructor(private readonly kv: KV, private readonly log: string) {}

  private key(name: string): string { return `c.${name}`; }

  private async get(name: string): Promise<{ cp: StoredCheckpoint; revision: number } | null> {
    const e = await this.kv.get(this.key(name));
    return live(e) ? { cp: e.json<StoredCheckpoint>(), revision: e.revision } : null;
  }

  private encode(offset: LogOffset | null): Uint8Array {
    return Buffer.from(JSON.stringify({ offset, updatedAt: new Date().toISOString() } satisfies StoredCheckpoint));
  }

  async register(name: string, at: LogOffset | null): Promise<ConsumerCheckpoint> {
    try { await this.kv.create(this.key(name), this.encode(at)); } catch { /* exists already */ }
    return this.checkpoint(name);
  }

  async checkpoint(name: string): Promise<ConsumerCheckpoint> {
    const g = await this.get(name);
    return g ? { name, offset: g.cp.offset, updatedAt: g.cp.updatedAt } : { name, offset: null, updatedAt: new Date(0).toISOString() };
  }

  async commit(name: string, expected: LogOffset | null, next: LogOffset | null): Promise<void> {
    const g = await this.get(name);
    if (g === null) {
      if (expected !== null) throw new CheckpointConflictError(name, expected, null);
      try { await this.kv.create(this.key(name), this.encode(next)); return; } catch {
        throw new CheckpointConflictError(name, expected, (await this.checkpoint(name)).offset);
      }
    }
    if (g.cp.offset !== expected) throw new CheckpointConflictError(name, expected, g.cp.offset);
    try { await this.kv.update(this.key(name), this.encode(next), g.revision); } catch {
      throw new CheckpointConflictError(name, expected, (await this.checkpoint(name)).offset);
    }
  }

  async list(): Promise<ConsumerCheckpoint[]> {
    const names: string[] = [];
    for await (const k of await this.kv.keys('c.>')) names.push(k.slice(2));
    const out: ConsumerCheckpoint[] = [];
    for (const n of names.sort()) {
      const g = await this.get(n);
      if (g) out.push({ name: n, offset: g.cp.offset, updatedAt: g.cp.updatedAt });
    }
    return out;
  }

  async drop(name: string): Promise<void> {
    await this.kv.delete(this.key(name));
  }

  async putSource(source: string, position: string, seq: number | null): Promise<void> {
    await this.kv.put(`s.${Buffer.from(source, 'utf8').toString('hex')}`, Buffer.from(JSON.stringify({ position, seq } satisfies StoredSource)));
  }

  async getSource(source: string): Promise<StoredSource | null> {
    const e = await this.kv.get(`s.${Buffer.from(source, 'utf8').toString('hex')}`);
    return live(e) ? e.json<StoredSource>() : null;
  }

  async destroy(): Promise<void> {
    await this.kv.destroy().catch(() => undefined);
  }

  get name(): string { return this.log; }
}
