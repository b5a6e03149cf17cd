import type { DashboardSnapshot, Scoreboard } from '../../dashboard/index.js';
import type { DemoStep } from '../types.js';

const ms = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)} ms`);

/** The last word: the dashboard's scoreboard, measured over the whole run — the seed's results table. */
export function scoreboardLines(s: Scoreboard): string[] {
  const row = (a: string, b: string) => `${a.padEnd(48)}${b}`;
  return [
    row('response time before (legacy) p50 / p99', `${ms(s.before.p50Ms)} / ${ms(s.before.p99Ms)}  (${s.before.requests} requests)`),
    row('response time after (routes on next) p50 / p99', s.after.requests > 0 ? `${ms(s.after.p50Ms)} / ${ms(s.after.p99Ms)}  (${s.after.requests} requests)` : 'no route on next yet'),
    row('failed user requests', String(s.failedUserRequests)),
    row('rows migrated', s.rowsMigrated === null ? 'n/a' : s.rowsMigrated.toLocaleString('en')),
    row('rows quarantined', `${s.quarantined}${Object.keys(s.quarantinedByReason).length ? `  (${Object.entries(s.quarantinedByReason).map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`),
    row('rows lost', s.rowsLost === null ? 'not verified' : String(s.rowsLost)),
  ];
}

/**
 * The scoreboard as the dashboard shows it: read from the admin API (`/dashboard/api/snapshot`, with the demo's
 * read-only token), so the terminal and the page print the same figures.
 */
export const scoreboardStep: DemoStep = {
  id: 'scoreboard',
  title: 'Scoreboard',
  async run(ctx) {
    if (!ctx.admin) throw new Error('the admin step did not run');
    const r = await fetch(`${ctx.admin.running.url}/dashboard/api/snapshot`, { headers: { authorization: `Bearer ${ctx.admin.readerToken}` } });
    if (r.status !== 200) throw new Error(`the dashboard's snapshot answered ${r.status}: ${await r.text()}`);
    const snap = await r.json() as DashboardSnapshot;
    const s = snap.scoreboard;
    if (s.failedUserRequests > 0) throw new Error(`${s.failedUserRequests} user request(s) failed`);
    if (s.rowsLost !== 0) throw new Error(s.rowsLost === null ? 'nothing was verified' : `${s.rowsLost} row(s) lost`);
    return {
      summary: `${s.failedUserRequests} failed user requests, ${s.rowsMigrated ?? 0} rows migrated, ${s.quarantined} quarantined with their reason, ${s.rowsLost} lost`,
      details: { ...s, errors: snap.errors },
      lines: scoreboardLines(s),
    };
  },
};
