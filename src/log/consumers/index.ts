export type { CliConsumer, Consumer, ConsumerContext, ConsumerFactory } from './consumer.js';
export { consume } from './consume.js';
export { ConsumerRegistry, DuplicateConsumerError } from './registry.js';
export { builtinConsumers } from './builtin.js';
export { printConsumer } from './print.js';
export { countConsumer } from './count.js';
