import type { JsonValue } from '../state/types.js';
import type { FlightRecord } from '../state/aspire/types.js';
import type { JobVerdict } from './chunk-runner.js';
import type { AspireFailedRow, AspireResult } from './types.js';

/** What a flight ended with, as one process or another saw it. */
export type FlightVerdict = JobVerdict | { readonly kind: 'already'; readonly version: string | null } | { readonly kind: 'aborted' };

/** A flight's verdict as stored in `aspire_flights.result_json` (read back by waiters in other processes). */
export function verdictJson(v: JobVerdict): JsonValue {
  switch (v.kind) {
    case 'migrated': return { rows: v.rows, version: v.version };
    case 'quarantined': return { version: v.version, failed: v.failed.map((f) => ({ table: f.table, key: f.key, reason: f.reason, detail: f.detail })) };
    case 'failed': return { reason: v.reason, message: v.message, retryable: v.retryable };
  }
}

/** The verdict a settled flight line holds. */
export function verdictOf(r: FlightRecord): JobVerdict {
  const j = (r.result ?? {}) as { rows?: number; version?: string; failed?: AspireFailedRow[]; reason?: string; message?: string; retryable?: boolean };
  switch (r.state) {
    case 'migrated': return { kind: 'migrated', rows: r.rows, version: r.version ?? j.version ?? '' };
    case 'quarantined': return { kind: 'quarantined', failed: Array.isArray(j.failed) ? j.failed : [], version: r.version ?? '' };
    case 'failed': return { kind: 'failed', reason: j.reason ?? 'FAILED', message: j.message ?? 'the flight failed in another process', retryable: j.retryable ?? true };
    case 'queued':
    case 'running':
      return { kind: 'failed', reason: 'NOT_SETTLED', message: `the flight is still ${r.state}`, retryable: true };
  }
}

/** The answer to one call. `joined`: this call did not start the flight it waited for. */
export function toResult(entity: string, key: string, ms: number, v: FlightVerdict, joined: boolean): AspireResult {
  switch (v.kind) {
    case 'already': return { outcome: 'already', entity, key, rows: 0, ...(v.version ? { version: v.version } : {}), ms };
    case 'migrated': return { outcome: joined ? 'shared' : 'migrated', entity, key, rows: v.rows, ...(v.version ? { version: v.version } : {}), ms };
    case 'quarantined': return { outcome: 'quarantined', entity, key, ms, failed: v.failed };
    case 'failed': return { outcome: 'failed', entity, key, ms, reason: v.reason, message: v.message, retryable: v.retryable };
    case 'aborted': return { outcome: 'failed', entity, key, ms, reason: 'ABORTED', message: 'the caller stopped waiting; the flight goes on in the background', retryable: true };
  }
}

/** Resolves with the promise, or with 'aborted' as soon as the signal aborts (the promise itself goes on). */
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | { kind: 'aborted' }> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ kind: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); }, (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

/**
 * Waits until a flight line settles: woken by the store's change signal (PostgreSQL NOTIFY, SQLite in-process), and
 * polling with a short doubling delay (1 ms → 50 ms) as a safety net. Returns null when the line needs a claim
 * instead (its owner's lease ran out, or `claimQueued` and it is queued), 'timeout' past `deadline`.
 */
export async function waitSettled(flights: { get(e: string, k: string): Promise<FlightRecord | undefined>; subscribe(fn: (e: { entity: string; key: string }) => void): () => void },
  entity: string, key: string, o: { deadline: number; claimQueued: boolean; signal?: AbortSignal }): Promise<FlightRecord | null | 'timeout' | 'aborted'> {
  let wake: (() => void) | null = null;
  const unsub = flights.subscribe((e) => { if (e.entity === entity && e.key === key) wake?.(); });
  try {
    for (let delay = 1; ; delay = Math.min(50, delay * 2)) {
      const r = await flights.get(entity, key);
      if (!r) return null;
      if (r.state !== 'running' && r.state !== 'queued') return r;
      if (r.state === 'running' && r.leaseUntil < Date.now()) return null;
      if (r.state === 'queued' && o.claimQueued) return null;
      if (o.signal?.aborted) return 'aborted';
      if (Date.now() >= o.deadline) return 'timeout';
      await new Promise<void>((res) => {
        const t = setTimeout(done, Math.min(delay, Math.max(1, o.deadline - Date.now())));
        function done() { clearTimeout(t); wake = null; o.signal?.removeEventListener('abort', done); res(); }
        wake = done;
        o.signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally { unsub(); }
}
