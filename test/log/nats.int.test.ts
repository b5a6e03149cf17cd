import { afterAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { NATS_URL } from '../support/services.js';
import { kvBucket, streamName } from '../../src/log/nats/subjects.js';
import { changes, LogFactory, readAll } from './logs.js';

// NATS-only parts of the contract: what the KV cannot make atomic with the publish is recovered from the stream.
describe('NATS JetStream log specifics', () => {
  const f = new LogFactory('nats');
  afterAll(() => f.dropAll());

  it('recovers the source position from the last message header when the KV write was lost', async () => {
    const { url, log } = await f.fresh();
    await log.append(changes(1, 3), { sourcePosition: { source: 'legacy db', position: 'binlog.000001:100' } });
    await log.append(changes(4, 3), { sourcePosition: { source: 'legacy db', position: 'binlog.000001:200' } });
    // simulate a crash between the acknowledged publish and the KV write of the second batch
    const logName = url.slice(url.lastIndexOf('/') + 1);
    const nc = await connect({ servers: NATS_URL });
    try {
      const kv = await nc.jetstream().views.kv(kvBucket(logName));
      await kv.put(`s.${Buffer.from('legacy db').toString('hex')}`, Buffer.from(JSON.stringify({ position: 'binlog.000001:100', seq: 3 })));
      expect((await (await nc.jetstreamManager()).streams.info(streamName(logName))).config.max_age).toBe(0);
    } finally { await nc.close(); }
    expect(await log.lastSourcePosition('legacy db')).toBe('binlog.000001:200');
  });

  it('a republished batch (retry after a crash) is stored once', async () => {
    const { log } = await f.fresh();
    const batch = changes(1, 5);
    const first = await log.append(batch);
    const again = await log.append(batch);
    expect(again.offsets).toEqual(first.offsets);
    expect((await readAll(log)).map((e) => e.record)).toEqual(batch);
  });
});
