import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GatewayAspireRequest, GatewayAspireResult, GatewayAspirer } from '../../src/gateway/owner/aspire-port.js';
import type { LedgerView } from '../../src/gateway/owner/ledger-cache.js';
import { OwnerRouter } from '../../src/gateway/owner/owner-router.js';
import type { OwnerVerdict } from '../../src/gateway/routing/decide.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import type { LedgerState } from '../../src/state/types.js';

// The router's rules as a property: whatever the ledger says, whatever aspire answers and in whatever order flights
// land, a verdict always comes, next is chosen only when next holds (or owns, for writes) the entity, and one entity
// never has two flights at once in a process.
const SPEC: RouteSpec = { id: 'r', match: { path: '/c/:id' }, mode: { kind: 'owner' }, entity: 'customer', entityKey: { from: 'param', name: 'id' }, aspireOnFirstTouch: true, aspireBudgetMs: 60_000 };
type Answer = 'migrated' | 'already' | 'shared' | 'quarantined' | 'failed' | 'throw';

class MemoryLedger implements LedgerView {
  readonly states = new Map<string, LedgerState>();
  stateOf(_e: string, k: string) { const s = this.states.get(k); return s === 'legacy' ? undefined : s; }
  note(_e: string, k: string, s: LedgerState) { this.states.set(k, s); }
}

class ScriptedAspirer implements GatewayAspirer {
  readonly pending: { req: GatewayAspireRequest; land: (a: Answer) => void }[] = [];
  readonly running = new Map<string, number>();
  maxConcurrentPerKey = 0;
  aspire(req: GatewayAspireRequest): Promise<GatewayAspireResult> {
    const n = (this.running.get(req.key) ?? 0) + 1;
    this.running.set(req.key, n);
    this.maxConcurrentPerKey = Math.max(this.maxConcurrentPerKey, n);
    return new Promise((resolve, reject) => {
      this.pending.push({ req, land: (a) => {
        this.running.set(req.key, this.running.get(req.key)! - 1);
        if (a === 'throw') reject(new Error('boom'));
        else if (a === 'quarantined') resolve({ outcome: 'quarantined', ms: 1, failed: [] });
        else if (a === 'failed') resolve({ outcome: 'failed', ms: 1, reason: 'NEXT_UNAVAILABLE', message: 'down', retryable: true });
        else resolve({ outcome: a, ms: 1 });
      } });
    });
  }
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), key: fc.constantFrom('1', '2', '3'), method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE') }),
  fc.record({ kind: fc.constant('ledger' as const), key: fc.constantFrom('1', '2', '3'), state: fc.constantFrom<LedgerState>('legacy', 'copied', 'verified', 'owned-by-next', 'quarantined') }),
  fc.record({ kind: fc.constant('land' as const), pick: fc.nat(), answer: fc.constantFrom<Answer>('migrated', 'already', 'shared', 'quarantined', 'failed', 'throw') }),
);

describe('owner router', () => {
  it('property: verdicts always come, next only when next holds the entity, one flight per entity at a time', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
      const ledger = new MemoryLedger();
      const aspirer = new ScriptedAspirer();
      const router = new OwnerRouter({ ledger, aspirer, retryAfterMs: 0 });
      const waiting: { key: string; promise: Promise<OwnerVerdict>; succeeded: () => boolean }[] = [];
      const landedOk = new Set<string>();
      for (const s of steps) {
        if (s.kind === 'ledger') { ledger.states.set(s.key, s.state); continue; }
        if (s.kind === 'land') {
          const p = aspirer.pending.splice(s.pick % Math.max(1, aspirer.pending.length), 1)[0];
          if (p) {
            if (s.answer === 'migrated' || s.answer === 'already' || s.answer === 'shared') landedOk.add(p.req.key);
            p.land(s.answer);
            await new Promise((r) => setImmediate(r));
          }
          continue;
        }
        const before = ledger.stateOf('customer', s.key);
        const v = router.resolve(SPEC, s.key, s.method, false);
        const read = s.method === 'GET' || s.method === 'HEAD';
        if (v instanceof Promise) {
          expect(read).toBe(true);
          expect(before === undefined).toBe(true);
          const key = s.key;
          waiting.push({ key, promise: v, succeeded: () => landedOk.has(key) });
          continue;
        }
        if (!read) expect(v.side).toBe(before === 'owned-by-next' ? 'next' : 'legacy');
        else if (v.side === 'next') expect(['copied', 'verified', 'owned-by-next']).toContain(before);
        else expect(['not-in-next', 'quarantined', 'retry-later', 'aspire-busy']).toContain(v.reason);
      }
      // every flight lands at last; every waiting read then has its verdict
      while (aspirer.pending.length) { aspirer.pending.shift()!.land('failed'); await new Promise((r) => setImmediate(r)); }
      for (const w of waiting) {
        const v = await w.promise;
        if (v.side === 'next') { expect(v.reason).toBe('aspired'); expect(w.succeeded()).toBe(true); }
        else expect(['quarantined', 'aspire-failed']).toContain(v.reason);
      }
      expect(aspirer.maxConcurrentPerKey).toBeLessThanOrEqual(1);
      expect(router.flights).toBe(0);
    }), { numRuns: 200 });
  });

  it('a read past its budget gets legacy while the flight goes on; the flight\'s success is noted for the next read', async () => {
    const ledger = new MemoryLedger();
    const aspirer = new ScriptedAspirer();
    const router = new OwnerRouter({ ledger, aspirer });
    const v = router.resolve({ ...SPEC, aspireBudgetMs: 1 }, '9', 'GET', false) as Promise<OwnerVerdict>;
    expect(await v).toEqual({ side: 'legacy', reason: 'budget' });
    expect(router.flights).toBe(1);
    aspirer.pending.shift()!.land('migrated');
    await new Promise((r) => setImmediate(r));
    expect(router.resolve(SPEC, '9', 'GET', false)).toEqual({ side: 'next', reason: 'in-next' });
    // a read with a body starts the pull but does not wait
    expect(router.resolve(SPEC, '10', 'GET', true)).toEqual({ side: 'legacy', reason: 'body' });
    expect(aspirer.pending.map((p) => p.req.key)).toEqual(['10']);
  });
});
