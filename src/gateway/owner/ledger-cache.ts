import type { Logger } from '../../observe/logger.js';
import type { LedgerCursor, LedgerEntry, LedgerState, LedgerStore } from '../../state/types.js';
import { OwnerMetrics } from './owner-metrics.js';

/** What owner routing reads on the hot path: synchronous, from memory. */
export interface LedgerView {
  /** The entity's state as last seen; `undefined`: not in the ledger, or `legacy` (both mean "not in next"). */
  stateOf(entity: string, key: string): LedgerState | undefined;
  /** A state this process learned first-hand (an aspire that returned): used until the feed says otherwise. */
  note(entity: string, key: string, state: LedgerState): void;
}

export interface LedgerCacheOptions {
  /** Pause between two reads of the feed once caught up, in ms. Default 50: the staleness bound is about this. */
  readonly pollMs?: number;
  /** Lines per feed read. Default 5000. */
  readonly pageSize?: number;
  /** Entities kept at most (memory bound); beyond, lines are dropped and counted, their entities go to legacy. */
  readonly maxEntries?: number;
  readonly log?: Logger;
  readonly metrics?: OwnerMetrics;
}

export const DEFAULT_LEDGER_POLL_MS = 50;
const DEFAULT_MAX_ENTRIES = 5_000_000;
/** A note outlives feed reads that started before it for this long (the feed then carries the aspire's own write). */
const NOTE_GRACE_MS = 10_000;

/**
 * Each gateway process's copy of the ledger, kept fresh from the state store's change feed (`ledgerChanges`): a full
 * read at start, then a poll every `pollMs` for what changed. Routing never waits on the store. Only entities that are
 * somewhere other than `legacy` are kept (legacy is the default, and the largest set before a migration ends):
 * about 100 bytes each, so a million migrated customers cost ~100 MB, bounded by `maxEntries`.
 *
 * If the store cannot be read, the cache keeps answering from what it has (the staleness gauge grows, failures are
 * counted and logged once per outage): routing must never fail because the control plane is down.
 */
export class LedgerCache implements LedgerView {
  readonly #entities = new Map<string, Map<string, LedgerState>>();
  /** entity\0key → when this process noted it: a tick of `#clock` (order against feed reads) and the time (expiry). */
  readonly #notes = new Map<string, { readonly tick: number; readonly at: number }>();
  /** Ticks for each note and each start of a feed read: which came first, finer than a millisecond. */
  #clock = 0;
  #size = 0;
  #cursor: LedgerCursor | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #failing = false;
  #lastGood = Date.now();
  /** Reads of the feed run one after another (poll, refresh): one cursor, one order of application. */
  #chain: Promise<void> = Promise.resolve();
  readonly #metrics: OwnerMetrics;

  private constructor(private readonly feed: Pick<LedgerStore, 'ledgerChanges'>, private readonly opts: LedgerCacheOptions) {
    this.#metrics = opts.metrics ?? new OwnerMetrics();
  }

  /** Reads the whole ledger once (an error here fails the start: no guessing who owns what), then follows it. */
  static async start(feed: Pick<LedgerStore, 'ledgerChanges'>, opts: LedgerCacheOptions = {}): Promise<LedgerCache> {
    const cache = new LedgerCache(feed, opts);
    await cache.#read();
    cache.#schedule();
    return cache;
  }

  stateOf(entity: string, key: string): LedgerState | undefined {
    return this.#entities.get(entity)?.get(key);
  }

  note(entity: string, key: string, state: LedgerState): void {
    this.#notes.set(`${entity}\0${key}`, { tick: ++this.#clock, at: Date.now() });
    this.#set(entity, key, state);
  }

  get size(): number { return this.#size; }
  /** Milliseconds since the start of the last complete read of the feed. */
  get stalenessMs(): number { return Date.now() - this.#lastGood; }

  /** Reads what changed now, without waiting for the next poll (tests, and callers that just wrote the ledger). */
  refresh(): Promise<void> { return this.#read(); }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#chain.catch(() => undefined);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      const started = Date.now();
      this.#read().then(() => {
        if (this.#failing) this.opts.log?.info({ stalenessMs: started - this.#lastGood }, 'ledger feed readable again');
        this.#failing = false;
      }, (e: unknown) => {
        this.#metrics.cacheErrors.series().value++;
        if (!this.#failing) this.opts.log?.warn({ error: (e as Error).message }, 'cannot read the ledger feed: owner routing uses the last known ledger');
        this.#failing = true;
      }).finally(() => {
        this.#metrics.cacheStaleness.value = this.stalenessMs / 1000;
        this.#schedule();
      });
    }, this.opts.pollMs ?? DEFAULT_LEDGER_POLL_MS);
    this.#timer.unref();
  }

  #read(): Promise<void> {
    const run = this.#chain.catch(() => undefined).then(() => this.#drain(++this.#clock, Date.now()));
    this.#chain = run;
    return run;
  }

  async #drain(tick: number, started: number): Promise<void> {
    for (;;) {
      const page = await this.feed.ledgerChanges({ after: this.#cursor, limit: this.opts.pageSize ?? 5000 });
      for (const e of page.items) this.#apply(e, tick);
      this.#cursor = page.cursor;
      if (!page.more || this.#closed) break;
    }
    this.#lastGood = started;
    this.#metrics.cacheEntries.value = this.#size;
    // notes older than the grace period are covered by the feed by now
    if (this.#notes.size > 0) for (const [k, n] of this.#notes) if (started - n.at > NOTE_GRACE_MS) this.#notes.delete(k);
  }

  #apply(e: LedgerEntry, readTick: number): void {
    // A read that started before this process noted the entity may carry the line from before the aspire's write.
    if (this.#notes.size > 0) {
      const noted = this.#notes.get(`${e.entity}\0${e.key}`);
      if (noted !== undefined && noted.tick > readTick) return;
    }
    // `copied` from capture or backfill means "some row of the entity reached next" (apply marks the entity for any of
    // its rows), not "the whole entity is there". Only aspire copies an entity whole, so `copied` counts as in next
    // when this cache saw aspire write it (and stays so through later captured changes, which keep a whole entity
    // whole). Otherwise the entity stays "not in next": a first touch asks aspire, which answers `already` at once
    // for an entity it moved before this cache started. `verified` and `owned-by-next` are proofs of their own.
    if (e.state === 'copied' && e.origin !== 'aspire') {
      const now = this.stateOf(e.entity, e.key);
      if (now === 'copied' || now === 'verified' || now === 'owned-by-next') return;
      // partial: not in next (and a quarantined entity whose rows moved on since gets another aspire)
      this.#set(e.entity, e.key, 'legacy');
      return;
    }
    this.#set(e.entity, e.key, e.state);
  }

  #set(entity: string, key: string, state: LedgerState): void {
    let keys = this.#entities.get(entity);
    if (state === 'legacy') {
      if (keys?.delete(key)) this.#size--;
      return;
    }
    if (!keys) { keys = new Map(); this.#entities.set(entity, keys); }
    if (!keys.has(key)) {
      if (this.#size >= (this.opts.maxEntries ?? DEFAULT_MAX_ENTRIES)) { this.#metrics.cacheOverflow.series().value++; return; }
      this.#size++;
    }
    keys.set(key, state);
  }
}
