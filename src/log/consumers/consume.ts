import type { EventLog } from '../types.js';
import type { Consumer } from './consumer.js';

/**
 * Normal consumption: from the consumer's checkpoint, tail the log, hand each batch to the consumer, then move the
 * checkpoint (compare-and-set, so two instances of one consumer cannot both advance it). Runs until `signal` aborts.
 */
export async function consume(log: EventLog, consumer: Consumer, signal: AbortSignal, options: { batchSize?: number } = {}): Promise<number> {
  let cursor = consumer.durable === false ? null : (await log.checkpoint(consumer.name)).offset;
  let delivered = 0;
  for await (const batch of log.tail(cursor, signal, { batchSize: options.batchSize ?? 500 })) {
    await consumer.handle(batch);
    const last = batch[batch.length - 1]!.offset;
    if (consumer.durable !== false) await log.commit(consumer.name, cursor, last);
    cursor = last;
    delivered += batch.length;
  }
  return delivered;
}
