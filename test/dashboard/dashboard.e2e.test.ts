import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, storeActions, type DashboardServer, type DashboardSnapshot } from '../../src/dashboard/index.js';
import { setRoute } from '../../src/gateway/control.js';
import { followStateRoutes } from '../../src/gateway/route-source.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { createLogger } from '../../src/observe/logger.js';
import { renderMetrics } from '../../src/observe/metrics.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { launchChromium, waitText } from '../support/browser.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { jsonAnswer, startUpstream, type TestUpstream } from '../gateway/support/upstream.js';

// The dashboard in real Chromium, beside a real gateway that follows a real (SQLite) state store.
const OPERATOR = 'op-token-0123456789abcdef';
const READER = 'ro-token-0123456789abcdef';
const SHOTS = 'test-results/dashboard';
let db: FreshDatabase;
let store: StateStore;
let legacy: TestUpstream;
let next: TestUpstream;
let gw: Gateway;
let gwPort: number;
let unfollow: () => Promise<void>;
let dash: DashboardServer;
let base: string;
let browser: Browser;

async function sideOf(path: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${gwPort}${path}`);
  return ((await res.body.json()) as { side: string }).side;
}

async function api<T>(path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await request(`${base}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-siphon-csrf': '1' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as T };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  db = await freshDatabase('sqlite', 'dashboard');
  store = await openStateStore(db.url);
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
  gw = createGateway({ legacy: legacy.url, next: next.url });
  gwPort = (await gw.listen(0)).port;
  await setRoute(store, 'orders', { match: { path: '/orders/:id' }, mode: { kind: 'canary', percent: 50 } }, { actor: 'setup@test' });
  unfollow = await followStateRoutes(store, gw, createLogger('test'), 10);
  for (let i = 0; i < 200; i++) await sideOf(`/orders/${i}`);
  await store.addQuarantine([{ sourceTable: 'CLIENT', key: '42', payload: { ID: 42, EMAIL: 'jane.doe@example.com', NOM: 'Doe' }, reasonCode: 'schema_invalid', message: 'email: invalid' }]);
  dash = serveDashboard({
    sources: { store, metrics: async () => (await renderMetrics()).body },
    actions: storeActions(store),
    authenticate: (t) => (t === OPERATOR ? { identity: 'ops@test', role: 'operator' } : t === READER ? { identity: 'viewer@test', role: 'read' } : undefined),
    intervalMs: 300,
  });
  base = `http://127.0.0.1:${(await dash.listen(0)).port}/dashboard`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close(); await dash?.close(); await unfollow?.(); await gw?.close();
  await legacy?.close(); await next?.close(); await store?.close(); await db?.drop();
});

describe('dashboard in Chromium', () => {
  it('without a token shows nothing but the login, and the API answers 401', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.isHidden('#app')).toBe(true);
    expect(await page.textContent('body')).not.toContain('orders');
    await page.fill('#token', 'not-the-token');
    await page.click('#login-form button');
    await page.waitForSelector('#login-error:has-text("wrong token")');
    await page.screenshot({ path: `${SHOTS}/login.png` });
    expect((await request(`${base}/api/snapshot`)).statusCode).toBe(401);
    expect((await api('/api/snapshot', 'wrong')).status).toBe(401);
    await page.close();
  });

  it('logs in from the URL, shows the live figures the API gives, and a rollback from the page changes routing and is audited', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${base}/#token=${OPERATOR}`);
    await page.waitForSelector('body[data-snapshot-at]');
    expect(page.url()).not.toContain(OPERATOR); // the token leaves the address bar at once
    expect(await page.textContent('#who')).toContain('ops@test');

    const { body: s } = await api<DashboardSnapshot>('/api/snapshot', OPERATOR);
    const route = s.routes.find((r) => r.id === 'orders')!;
    expect(route.legacy.requests + route.next.requests).toBeGreaterThanOrEqual(200);
    // traffic has stopped: the page's figures settle on the API's
    await waitText(page, '[data-route="orders"] [data-k="requests"]', `${route.legacy.requests.toLocaleString('en-US')} / ${route.next.requests.toLocaleString('en-US')}`);
    expect(await page.textContent('[data-route="orders"] [data-k="mode"]')).toBe('canary 50 %');
    expect(await page.textContent('[data-k="quarantined"]')).toBe(String(s.scoreboard.quarantined));
    expect(s.scoreboard.quarantined).toBe(1);
    expect(await page.textContent('[data-k="failedUserRequests"]')).toBe(String(s.scoreboard.failedUserRequests));
    const row = await page.textContent('[data-quarantine]');
    expect(row).toContain('schema_invalid');
    expect(row).not.toContain('jane.doe@example.com'); // personal data redacted on the page
    await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });

    page.once('dialog', (d) => void d.accept('next answers wrong totals'));
    await page.click('[data-route="orders"] button[data-action="rollback"]');
    await waitText(page, '[data-route="orders"] [data-k="mode"]', 'legacy');
    const stored = (await store.getRoutes()).routes.find((r) => r.id === 'orders')!;
    expect(stored.mode).toBe('legacy');
    for (let i = 0; i < 100 && (await sideOf('/orders/probe-1')) !== 'legacy'; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 20; i++) expect(await sideOf(`/orders/after-${i}`)).toBe('legacy');
    const audit = (await store.listAudit({ action: 'route.rollback' })).items;
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('ops@test');
    expect(audit[0]!.reason).toBe('next answers wrong totals');
    await page.waitForSelector(`[data-audit="${audit[0]!.id}"]`);
    expect(await page.textContent(`[data-audit="${audit[0]!.id}"] [data-k="action"]`)).toBe('route.rollback');
    await page.screenshot({ path: `${SHOTS}/after-rollback.png`, fullPage: true });
    await page.close();
  });

  it('a read-only token sees the figures but no action, and the API refuses its changes', async () => {
    await setRoute(store, 'orders', { mode: { kind: 'next' } }, { actor: 'setup@test' });
    const page = await browser.newPage();
    await page.goto(`${base}/#token=${READER}`);
    await page.waitForSelector('[data-route="orders"]');
    expect(await page.$('button[data-action="rollback"]')).toBeNull();
    const r = await api<{ error: string }>('/api/routes/orders/rollback', READER, { method: 'POST', body: { reason: 'x' } });
    expect(r.status).toBe(403);
    expect((await store.getRoutes()).routes.find((x) => x.id === 'orders')!.mode).toBe('next');
    const noCsrf = await request(`${base}/api/routes/orders/rollback`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` }, body: '{}' });
    expect(noCsrf.statusCode).toBe(403);
    await noCsrf.body.dump();
    await page.close();
  });
});
