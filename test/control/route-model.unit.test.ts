import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRoute } from '../../src/gateway/routing/compile.js';
import { endpointOf, modeOf, storedMode, type RouteMode } from '../../src/routes/model.js';
import { formatMode, parseMode } from '../../src/routes/mode.js';
import { fromStoredRoute, toRouteInput } from '../../src/routes/stored.js';
import { TokenVerifier } from '../../src/control/admin/tokens.js';

const mode: fc.Arbitrary<RouteMode> = fc.oneof(
  fc.constantFrom<RouteMode>({ kind: 'legacy' }, { kind: 'shadow' }, { kind: 'next' }, { kind: 'owner' }),
  fc.integer({ min: 0, max: 10_000 }).map((n): RouteMode => ({ kind: 'canary', percent: n / 100 })),
);
const segment = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const match = fc.record({
  methods: fc.option(fc.uniqueArray(fc.constantFrom('GET', 'get', 'POST', 'PUT', 'DELETE'), { maxLength: 3 }), { nil: undefined }),
  path: fc.array(fc.oneof(segment, segment.map((s) => `:${s}`)), { maxLength: 4 })
    .filter((segs) => new Set(segs.filter((s) => s.startsWith(':'))).size === segs.filter((s) => s.startsWith(':')).length)
    .map((segs) => `/${segs.join('/')}`),
});

describe('the one route model', () => {
  it('round-trips a mode through its stored form and its text form', () => {
    fc.assert(fc.property(mode, (m) => {
      const s = storedMode(m);
      expect(modeOf(s.mode, s.canaryPercent)).toEqual(m);
      expect(parseMode(formatMode(m))).toEqual(m);
    }));
  });

  it('round-trips a route spec through the state store row', () => {
    fc.assert(fc.property(mode, match, fc.boolean(), (m, mt, fallback) => {
      const spec = { id: 'r', match: mt.methods === undefined ? { path: mt.path } : { path: mt.path, methods: mt.methods }, mode: m, fallback };
      const input = toRouteInput(spec);
      const row = { ...input, position: 0, canaryPercent: input.canaryPercent ?? 0, options: input.options ?? {}, updatedAt: new Date() };
      expect(fromStoredRoute(row)).toEqual(spec);
    }));
  });

  it("names a route's endpoint exactly as the gateway's compiler does (the diffs of a route are found by it)", () => {
    fc.assert(fc.property(match, (mt) => {
      const m = mt.methods === undefined ? { path: mt.path } : { path: mt.path, methods: mt.methods };
      expect(endpointOf(m)).toBe(compileRoute({ id: 'r', match: m, mode: { kind: 'legacy' } }).endpoint);
    }));
  });

  it('a token verifier accepts exactly its tokens', () => {
    const tokens = ['operator-token-0123456789', 'reader-token-0123456789ab'];
    const v = new TokenVerifier([{ role: 'operator', identity: 'a', token: tokens[0]! }, { role: 'read-only', identity: 'b', token: tokens[1]! }]);
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (t) => {
      expect(v.verify(`Bearer ${t}`)).toEqual(t === tokens[0] ? { identity: 'a', role: 'operator' } : t === tokens[1] ? { identity: 'b', role: 'read-only' } : undefined);
    }));
  });
});
