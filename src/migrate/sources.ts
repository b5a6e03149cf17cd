import { existsSync } from 'node:fs';
import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import { parseConnectionUrl } from '../backends/url.js';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { openLog } from '../log/open.js';
import type { EventLog } from '../log/types.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { MigrateConfigError, NotStartedError } from './errors.js';

export const DEFAULT_CONFIG = 'siphon.config.ts';
export const DEFAULT_SOURCE = 'legacy';

/** The config named by -c, else siphon.config.ts when it exists; a clear usage error otherwise. */
export async function migrationConfig(file: string | undefined): Promise<ResolvedConfig> {
  const f = file ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (!f) throw new MigrateConfigError(`no configuration: give -c FILE (a siphon config), or run in a folder with ${DEFAULT_CONFIG} (siphon init writes one)`);
  return loadConfig(f);
}

/** A SQLite URL whose file does not exist names nothing yet: reading commands must not create it. */
export function sqliteMissing(url: string): string | null {
  const p = parseConnectionUrl(url);
  return p.kind === 'sqlite' && p.path !== ':memory:' && !existsSync(p.path) ? p.path : null;
}

/** Everything a reading command opens, closed together. Nothing is created: a missing SQLite file is NotStartedError. */
export interface ReadSources {
  readonly legacy: Database;
  readonly next: Database;
  readonly store: StateStore;
  readonly log: EventLog;
  close(): Promise<void>;
}

export async function openForReading(config: ResolvedConfig): Promise<ReadSources> {
  for (const [what, url] of [['state store', config.state], ['event log', config.log], ['next database', config.next.db], ['legacy database', config.legacy.db]] as const) {
    const missing = sqliteMissing(url);
    if (missing) throw new NotStartedError(what, missing);
  }
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async () => { for (const o of opened.reverse()) await o.close().catch(() => undefined); };
  try {
    const legacy = await openDatabase(config.legacy.db, { mustExist: true }); opened.push(legacy);
    const next = await openDatabase(config.next.db, { mustExist: true }); opened.push(next);
    const store = await openStateStore(config.state); opened.push(store);
    const log = await openLog(config.log); opened.push(log);
    return { legacy, next, store, log, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
