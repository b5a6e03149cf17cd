import { countConsumer } from './count.js';
import { printConsumer } from './print.js';
import { ConsumerRegistry } from './registry.js';

/** A new registry holding the built-in consumers (`print`, `count`); callers add theirs before handing it over. */
export function builtinConsumers(): ConsumerRegistry {
  return new ConsumerRegistry().register('print', printConsumer).register('count', countConsumer);
}
