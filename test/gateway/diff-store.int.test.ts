import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffSink } from '../../src/gateway/diff/diff-sink.js';
import { diffStorePersister } from '../../src/gateway/diff/store-persist.js';
import type { CapturedResponse, Exchange } from '../../src/gateway/exchange.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';

const dir = mkdtempSync(join(tmpdir(), 'siphon-diffstore-'));
let store: StateStore;
beforeAll(async () => { store = await openStateStore(`sqlite:${join(dir, 'state.sqlite')}`); });
afterAll(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });

const resp = (status: number, body: unknown): CapturedResponse =>
  ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), truncated: false, durationMs: 1 });
const ex = (i: number): Exchange => ({
  routeId: 'inv', endpoint: 'GET /invoices/:id', traceId: i.toString(16).padStart(32, '0'), at: Date.now(),
  request: { method: 'GET', url: `/invoices/${i}`, headers: {} },
  legacy: resp(200, { id: i, total: 12.35, email: `u${i}@example.com` }),
  next: resp(i % 2 === 0 ? 200 : 500, { id: i, total: i % 2 === 0 ? 12.34 : 12.35, email: `v${i}@example.com` }),
});

describe('diff aggregates in the state store', () => {
  it('persists deltas: counts add up across persists and processes, samples are redacted', async () => {
    const persist = diffStorePersister(store);
    const sink = new DiffSink({ persist });
    for (let i = 0; i < 10; i++) sink.accept(ex(i));
    await sink.flush();
    await persist(sink.report());
    for (let i = 10; i < 20; i++) sink.accept(ex(i));
    await sink.close(); // persists again: only what grew
    // a second gateway process adds its own counts to the same rows
    const other = new DiffSink({ persist: diffStorePersister(store) });
    for (let i = 20; i < 24; i++) other.accept(ex(i));
    await other.close();

    const rows = await store.listDiffs({ endpoint: 'GET /invoices/:id' });
    const byKey = Object.fromEntries(rows.map((r) => [`${r.kind} ${r.fieldPath}`, r.count]));
    expect(byKey).toEqual({ 'value $.total': 12, 'value status': 12, 'value $.email': 24 });
    const email = rows.find((r) => r.fieldPath === '$.email')!;
    expect(email.samples.length).toBeGreaterThan(0);
    expect(JSON.stringify(email.samples)).not.toContain('example.com');
  });
});
