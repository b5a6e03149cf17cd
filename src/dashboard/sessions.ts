import { randomBytes } from 'node:crypto';
import type { DashboardIdentity } from './types.js';

/**
 * Browser sessions of the dashboard. The page logs in once with the admin token and gets an HttpOnly, SameSite=Strict
 * cookie, because EventSource (the live feed) cannot send an Authorization header. Sessions live in memory (a restart
 * asks for the token again), expire, and are bounded: the oldest goes first.
 */
export class DashboardSessions {
  private readonly sessions = new Map<string, { who: DashboardIdentity; expires: number }>();

  constructor(private readonly ttlMs = 12 * 3600_000, private readonly max = 1000, private readonly now: () => number = Date.now) {}

  open(who: DashboardIdentity): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { who, expires: this.now() + this.ttlMs });
    while (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    return id;
  }

  find(id: string | undefined): DashboardIdentity | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now()) { this.sessions.delete(id); return undefined; }
    return s.who;
  }

  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

export const SESSION_COOKIE = 'siphon_session';

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
