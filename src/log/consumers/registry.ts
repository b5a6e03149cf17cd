import { LogError } from '../errors.js';
import type { ConsumerFactory } from './consumer.js';

export class DuplicateConsumerError extends LogError {
  constructor(name: string) {
    super('LOG_CONSUMER_DUPLICATE', `a consumer named "${name}" is already registered`, { name });
  }
}

/**
 * The consumers `siphon log replay --consumer NAME` can feed. A plain value, filled by whoever builds the CLI
 * (`builtinConsumers()`, then apply/projections add theirs) and passed to it: no module fills a registry as a side
 * effect of being imported, so what a command can run is visible at the place the program is built.
 */
export class ConsumerRegistry {
  private readonly factories = new Map<string, ConsumerFactory>();

  /** Adds a consumer; a name given twice is a programming error (two consumers would share one checkpoint). */
  register(name: string, factory: ConsumerFactory): this {
    if (this.factories.has(name)) throw new DuplicateConsumerError(name);
    this.factories.set(name, factory);
    return this;
  }

  get(name: string): ConsumerFactory | undefined {
    return this.factories.get(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }
}
