import type { JsonValue, StateStore } from '../state/types.js';
import { MigrateConfigError } from './errors.js';

/**
 * A re-apply request: re-read legacy rows of `table` with from < key <= to (either bound open; the keyset bounds the
 * chunks use) through the backfill's
 * chunk mechanism, so they go through the (fixed) mapping again while capture and apply continue. Stored in the state
 * store; the running `siphon migrate` takes the queued requests (or the next one to start does).
 */
export interface ReapplyRequest {
  readonly id: string;
  readonly table: string;
  /** Key values as given (one text per key column); null: open bound. */
  readonly from: readonly string[] | null;
  readonly to: readonly string[] | null;
  readonly by: string;
  readonly at: string;
}

/**
 * The queue is the audit trail itself: a request is an appended `reapply.queue` entry, its end a `reapply.done` entry
 * naming it. Appends only, so the CLI queuing and the migrate process finishing never overwrite each other (a shared
 * setting rewritten by both would lose one of them).
 */
const QUEUED = 'reapply.queue';
const DONE = 'reapply.done';

/**
 * `AFTER..UNTIL`: keys greater than AFTER and at most UNTIL (the chunks' own keyset bounds, exact for every key type);
 * either side may be empty. Composite keys as comma-separated values (`12,3..12,9`).
 */
export function parseKeyRange(text: string, keyColumns: readonly string[]): { from: string[] | null; to: string[] | null } {
  const parts = text.split('..');
  if (parts.length !== 2) throw new MigrateConfigError(`--keys "${text}": expected AFTER..UNTIL, AFTER.. or ..UNTIL`);
  const bound = (s: string, which: string): string[] | null => {
    if (s.trim() === '') return null;
    const values = s.split(',').map((v) => v.trim());
    if (values.length !== keyColumns.length || values.some((v) => v === '')) {
      throw new MigrateConfigError(`--keys "${text}": the ${which} bound needs ${keyColumns.length} value(s) (${keyColumns.join(', ')}), found "${s}"`);
    }
    return values;
  };
  const from = bound(parts[0]!, 'lower'), to = bound(parts[1]!, 'upper');
  return { from, to };
}

export async function queueReapply(store: StateStore, r: Omit<ReapplyRequest, 'id' | 'at'>): Promise<ReapplyRequest> {
  const request: ReapplyRequest = { ...r, id: `reapply-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`, at: new Date().toISOString() };
  await store.appendAudit({ actor: r.by, action: QUEUED, subject: request.id, after: request as unknown as JsonValue, reason: `re-apply ${r.table}` });
  return request;
}

async function ids(store: StateStore, action: string): Promise<Map<string, JsonValue>> {
  const found = new Map<string, JsonValue>();
  let beforeId: number | undefined;
  for (;;) {
    const page = await store.listAudit({ action, limit: 1000, ...(beforeId !== undefined ? { beforeId } : {}) });
    for (const e of page.items) found.set(e.subject, e.after);
    if (page.next === null) return found;
    beforeId = page.next;
  }
}

/** Requests queued and not finished, oldest first. */
export async function queuedReapplies(store: StateStore): Promise<ReapplyRequest[]> {
  const [queued, done] = await Promise.all([ids(store, QUEUED), ids(store, DONE)]);
  return [...queued].filter(([id]) => !done.has(id)).map(([, v]) => v as unknown as ReapplyRequest).sort((a, b) => a.at.localeCompare(b.at));
}

/** Marks a request finished once its chunks are applied (the migrate process calls it). */
export async function finishReapply(store: StateStore, r: ReapplyRequest, actor: string, rows: number): Promise<void> {
  await store.appendAudit({ actor, action: DONE, subject: r.id, after: { rows }, reason: `re-applied ${rows} row(s) of ${r.table}` });
}
