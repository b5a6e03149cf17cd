/**
 * Coalesces calls made in the same turn of the event loop into one: the flights of one chunk settle together (the
 * chunk runner answers them in one synchronous loop), so their ledger lines and legacy marks become one statement
 * each instead of one per entity.
 */
export class Batcher<T> {
  private items: T[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    this.items.push(item);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => { void this.run(); });
    }
    return p;
  }

  private async run(): Promise<void> {
    const items = this.items, waiters = this.waiters;
    this.items = []; this.waiters = []; this.scheduled = false;
    try {
      await this.flush(items);
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  }
}
