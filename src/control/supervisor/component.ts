/**
 * What the supervisor runs: the gateway, the migration process (capture + data path + backfill + apply), the admin
 * API, canary analysis... each behind this one small interface, so that `siphon start` and every role treat them
 * alike and a new component plugs in with a few lines (see `docs/AREAS/observe.md`, "siphon start").
 */
export interface ComponentHealth {
  /** Ready to do its work (the gateway listens, the migration's data path runs). */
  readonly ready: boolean;
  /** Figures worth showing in `/status` (JSON-safe, no secrets). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A component that can fail after it started says so through `ended`. */
export interface ComponentRun {
  /**
   * Settles when the component ends on its own: rejects with the reason it failed, resolves if it simply ended
   * (both are failures to the supervisor, which restarts it). Never settles because `stop()` was called... or, if it
   * does then, the supervisor ignores it.
   */
  readonly ended: Promise<void>;
}

export interface Component {
  /** Stable, short: `gateway`, `migrate`, `admin`, `analysis`. Used in status, logs and metric labels. */
  readonly name: string;
  /** Starts; resolves once running (ready or about to be). Rejects when it cannot start (the supervisor retries). */
  start(signal: AbortSignal): Promise<ComponentRun | void>;
  /** Stops cleanly: in-flight work finished, positions checkpointed. Called once per successful or failed start. */
  stop(): Promise<void>;
  health(): ComponentHealth;
}
