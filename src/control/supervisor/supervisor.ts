import type { Logger } from '../../observe/logger.js';
import { counter, gauge } from '../../observe/metrics.js';
import { SiphonError } from '../../errors.js';
import { DEFAULT_BACKOFF, nextDelay, type BackoffPolicy } from './backoff.js';
import type { Component, ComponentHealth } from './component.js';

export type ComponentState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface ComponentStatus {
  readonly name: string;
  readonly state: ComponentState;
  readonly ready: boolean;
  /** Failures since the process started (start failures and failures while running). */
  readonly failures: number;
  readonly restarts: number;
  readonly lastError: { readonly message: string; readonly code?: string; readonly at: string } | null;
  /** When the next start attempt is due (ISO), while in backoff. */
  readonly nextRetryAt: string | null;
  readonly startedAt: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface SupervisorStatus {
  readonly state: 'starting' | 'running' | 'draining' | 'stopped';
  readonly ready: boolean;
  readonly components: readonly ComponentStatus[];
}

export interface SupervisorOptions {
  readonly log: Logger;
  readonly backoff?: BackoffPolicy;
  /** Errors that a restart cannot cure (bad configuration): the first start fails instead of retrying forever. */
  readonly fatal?: (e: unknown) => boolean;
  /** Scrubs error messages before they reach status and logs (connection URLs...). */
  readonly redact?: (text: string) => string;
}

interface Entry {
  readonly c: Component;
  state: ComponentState;
  failures: number;
  restarts: number;
  recent: number[];
  lastError: ComponentStatus['lastError'];
  nextRetryAt: number | null;
  startedAt: number | null;
  timer: NodeJS.Timeout | null;
  /** One per start attempt: a late `ended` of an older attempt is ignored. */
  attempt: AbortController | null;
  /** The stop of a failed attempt, awaited before the next start and by stop(). */
  cleanup: Promise<void> | null;
}

const restartsMetric = () => counter<'component'>({ name: 'siphon_component_restarts_total', help: 'Restarts of a supervised component after a failure', labelNames: ['component'] });
const failuresMetric = () => counter<'component'>({ name: 'siphon_component_failures_total', help: 'Failures of a supervised component (could not start, or failed while running)', labelNames: ['component'] });
const upMetric = () => gauge<'component'>({ name: 'siphon_component_up', help: '1 while a supervised component runs, 0 while it starts, waits to restart or is stopped', labelNames: ['component'] });

/**
 * Runs components side by side in one process. A component that fails (cannot start, or its run ends) is stopped,
 * then started again after an exponential backoff; every failure is counted and shown with its last error and the
 * next retry. `stop()` stops them in reverse order of start (the gateway drains before the migration stops).
 */
export class Supervisor {
  readonly #entries: Entry[];
  readonly #backoff: BackoffPolicy;
  #state: SupervisorStatus['state'] = 'starting';

  constructor(components: readonly Component[], private readonly o: SupervisorOptions) {
    const names = new Set<string>();
    for (const c of components) {
      if (names.has(c.name)) throw new SiphonError('START_DUPLICATE_COMPONENT', `two components are named ${c.name}`, { component: c.name });
      names.add(c.name);
    }
    this.#entries = components.map((c) => ({ c, state: 'stopped', failures: 0, restarts: 0, recent: [], lastError: null, nextRetryAt: null, startedAt: null, timer: null, attempt: null, cleanup: null }));
    this.#backoff = o.backoff ?? DEFAULT_BACKOFF;
    for (const e of this.#entries) { restartsMetric().inc({ component: e.c.name }, 0); failuresMetric().inc({ component: e.c.name }, 0); upMetric().set({ component: e.c.name }, 0); }
  }

  /** Starts every component in order. Only a fatal error (see options) fails it; other start failures back off and retry. */
  async start(): Promise<void> {
    for (const e of this.#entries) {
      const error = await this.#attempt(e);
      if (error !== undefined && this.o.fatal?.(error)) {
        await this.stop();
        throw error;
      }
    }
    if (this.#state === 'starting') this.#state = 'running';
  }

  /** Every component runs and says it is ready, and the process is not draining. */
  ready(): boolean {
    return this.#state === 'running' && this.#entries.every((e) => e.state === 'running' && this.#health(e).ready);
  }

  status(): SupervisorStatus {
    return {
      state: this.#state, ready: this.ready(),
      components: this.#entries.map((e) => {
        const h = e.state === 'running' ? this.#health(e) : { ready: false };
        return {
          name: e.c.name, state: e.state, ready: h.ready, failures: e.failures, restarts: e.restarts, lastError: e.lastError,
          nextRetryAt: e.nextRetryAt !== null ? new Date(e.nextRetryAt).toISOString() : null,
          startedAt: e.startedAt !== null ? new Date(e.startedAt).toISOString() : null,
          ...(h.detail ? { detail: h.detail } : {}),
        };
      }),
    };
  }

  /** Marks the process as draining: `/readyz` answers 503 from now on while everything still runs. */
  drain(): void { if (this.#state !== 'stopped') this.#state = 'draining'; }

  /** Stops every component, last started first. Pending restarts are cancelled. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'draining';
    for (const e of [...this.#entries].reverse()) {
      if (e.timer) { clearTimeout(e.timer); e.timer = null; }
      e.nextRetryAt = null;
      const was = e.state;
      e.attempt?.abort();
      e.attempt = null;
      if (was === 'running' || was === 'starting') {
        e.state = 'stopping';
        await e.c.stop().catch((err: unknown) => this.o.log.error({ component: e.c.name, err: this.#text(err) }, 'component did not stop cleanly'));
      }
      await e.cleanup;
      e.state = 'stopped';
      upMetric().set({ component: e.c.name }, 0);
    }
    this.#state = 'stopped';
  }

  #health(e: Entry): ComponentHealth {
    try { return e.c.health(); } catch (err) { return { ready: false, detail: { healthError: this.#text(err) } }; }
  }

  #text(err: unknown): string {
    const m = (err as Error)?.message ?? String(err);
    return this.o.redact ? this.o.redact(m) : m;
  }

  /** One start attempt; returns the error when it failed (already recorded, restart scheduled). */
  async #attempt(e: Entry): Promise<unknown> {
    if (this.#state === 'draining' || this.#state === 'stopped') return undefined;
    const ctl = new AbortController();
    e.attempt = ctl;
    e.state = 'starting';
    e.nextRetryAt = null;
    try {
      const run = await e.c.start(ctl.signal);
      if (ctl.signal.aborted) return undefined; // stopped while starting: stop() handles it
      e.state = 'running';
      e.startedAt = Date.now();
      upMetric().set({ component: e.c.name }, 1);
      this.o.log.info({ component: e.c.name, restarts: e.restarts }, 'component running');
      run?.ended.then(
        () => this.#failed(e, ctl, new SiphonError('START_COMPONENT_ENDED', `${e.c.name} ended by itself`, { component: e.c.name })),
        (err: unknown) => this.#failed(e, ctl, err));
      return undefined;
    } catch (err) {
      if (ctl.signal.aborted) return undefined;
      if (this.#state === 'starting' && this.o.fatal?.(err)) { e.state = 'stopped'; return err; }
      this.#failed(e, ctl, err);
      return err;
    }
  }

  #failed(e: Entry, ctl: AbortController, err: unknown): void {
    if (ctl.signal.aborted || e.attempt !== ctl || this.#state === 'draining' || this.#state === 'stopped') return;
    ctl.abort();
    e.failures++;
    failuresMetric().inc({ component: e.c.name });
    upMetric().set({ component: e.c.name }, 0);
    e.lastError = { message: this.#text(err), ...(err instanceof SiphonError ? { code: err.code } : {}), at: new Date().toISOString() };
    const delay = nextDelay(e.recent, this.#backoff);
    e.state = 'backoff';
    e.nextRetryAt = Date.now() + delay;
    this.o.log.error({ component: e.c.name, err: e.lastError.message, code: e.lastError.code, failures: e.failures, restartInMs: delay }, 'component failed; restarting after backoff');
    // stop what is left of it (connections, timers) before the next start; a start attempt is only made after that
    const stopped = e.c.stop().catch((x: unknown) => this.o.log.warn({ component: e.c.name, err: this.#text(x) }, 'stopping a failed component'));
    e.cleanup = stopped;
    e.timer = setTimeout(() => {
      e.timer = null;
      void stopped.then(() => {
        if (e.state !== 'backoff' || this.#state === 'draining' || this.#state === 'stopped') return;
        e.restarts++;
        restartsMetric().inc({ component: e.c.name });
        return this.#attempt(e);
      });
    }, delay);
  }
}
