import type { ResolvedConfig } from '../../config/types.js';
import type { SupervisorStatus } from '../supervisor/supervisor.js';
import { DEFAULT_HEALTH_PORT } from './plan.js';

/** What `siphon status` shows of a running `siphon start`: its components, failures, last error and next retry. */
export type StartProcessStatus =
  | { readonly url: string; readonly running: true; readonly status: SupervisorStatus }
  | { readonly url: string; readonly running: false; readonly reason: string };

/** The health URL of the config's `siphon start` (`start.health`), or null when it listens on a random port. */
export function healthUrlOf(config: ResolvedConfig): string | null {
  const port = config.start?.health?.port ?? DEFAULT_HEALTH_PORT;
  if (port === 0) return null;
  const host = config.start?.health?.host ?? '127.0.0.1';
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

/** Reads `/status` of a running `siphon start` (a read: nothing is created; not running is an answer, not an error). */
export async function readStartStatus(url: string, timeoutMs = 1500): Promise<StartProcessStatus> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return { url, running: false, reason: `/status answered ${res.status}` };
    return { url, running: true, status: await res.json() as SupervisorStatus };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { url, running: false, reason: cause === 'ECONNREFUSED' ? 'not running (nothing listens there)' : (e as Error).message };
  }
}

/** Lines for the text view of `siphon status`. */
export function renderStartStatus(s: StartProcessStatus): string[] {
  if (!s.running) return [`siphon start (${s.url}): ${s.reason}`];
  const lines = [`siphon start (${s.url}): ${s.status.state}, ${s.status.ready ? 'ready' : 'not ready'}`];
  for (const c of s.status.components) {
    let line = `  ${c.name}: ${c.state}${c.ready ? ' (ready)' : ''}, ${c.failures} failure(s), ${c.restarts} restart(s)`;
    if (c.lastError) line += `; last error at ${c.lastError.at}: ${c.lastError.message}`;
    if (c.nextRetryAt) line += `; next retry at ${c.nextRetryAt}`;
    lines.push(line);
  }
  return lines;
}
