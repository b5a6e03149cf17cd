import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, canarySide } from '../../src/gateway/routing/canary.js';
import { compileRoutes } from '../../src/gateway/routing/compile.js';
import { decide } from '../../src/gateway/routing/decide.js';
import { cookieValue, decodeJwt } from '../../src/gateway/routing/keys.js';
import { formatMode, parseMode } from '../../src/gateway/routing/mode.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import { parseRoutes } from '../../src/gateway/routing/schema.js';
import { createHmac } from 'node:crypto';

const req = (method: string, path: string, headers: Record<string, string> = {}) => ({ method, path, headers });

describe('route compiler', () => {
  const table = compileRoutes([
    { id: 'beta', match: { path: '/customers/:id', headers: [{ name: 'X-Beta', equals: '1' }] }, mode: { kind: 'next' } },
    { id: 'customer', match: { methods: ['GET'], path: '/customers/:id' }, mode: { kind: 'shadow' } },
    { id: 'invoices', match: { path: '/customers/:cid/invoices/:iid' }, mode: { kind: 'legacy' } },
    { id: 'cookie', match: { path: '/c', cookies: [{ name: 'grp', matches: '^b' }] }, mode: { kind: 'next' } },
    { id: 'static', match: { path: '/static/*' }, mode: { kind: 'legacy' } },
  ], 7);

  it('matches method, params, headers, cookies and wildcards in table order', () => {
    expect(table.version).toBe(7);
    const a = table.match(req('GET', '/customers/42'))!;
    expect(a.route.spec.id).toBe('customer');
    expect(a.params).toEqual({ id: '42' });
    expect(a.route.endpoint).toBe('GET /customers/:id');
    expect(table.match(req('GET', '/customers/42', { 'x-beta': '1' }))!.route.spec.id).toBe('beta');
    expect(table.match(req('POST', '/customers/42'))).toBeUndefined();
    expect(table.match(req('GET', '/customers/a%20b/invoices/9'))!.params).toEqual({ cid: 'a b', iid: '9' });
    expect(table.match(req('GET', '/customers/42/'))!.route.spec.id).toBe('customer');
    expect(table.match(req('GET', '/customers'))).toBeUndefined();
    expect(table.match(req('GET', '/c', { cookie: 'a=1; grp=beta' }))!.route.spec.id).toBe('cookie');
    expect(table.match(req('GET', '/c', { cookie: 'grp=alpha' }))).toBeUndefined();
    expect(table.match(req('GET', '/static/css/app.css'))!.params).toEqual({ '*': 'css/app.css' });
    expect(table.match(req('GET', '/static'))!.route.spec.id).toBe('static');
    expect(table.match(req('GET', '/staticx'))).toBeUndefined();
  });

  it('refuses bad tables saying which route and field', () => {
    expect(() => compileRoutes([{ id: 'x', match: { path: 'nope' }, mode: { kind: 'legacy' } }], 1)).toThrow(/route "x".*start with/);
    expect(() => compileRoutes([{ id: 'x', match: { path: '/a/:id/:id' }, mode: { kind: 'legacy' } }], 1)).toThrow(/duplicate path param/);
    expect(() => compileRoutes([{ id: 'x', match: { path: '/a' }, mode: { kind: 'canary', percent: 120 } }], 1)).toThrow(/between 0 and 100/);
    expect(() => compileRoutes([{ id: 'x', match: { path: '/a', headers: [{ name: 'h', matches: '(' }] }, mode: { kind: 'legacy' } }], 1))
      .toThrow(/match.headers\[0\].*regular expression/);
    const dup: RouteSpec = { id: 'x', match: { path: '/a' }, mode: { kind: 'legacy' } };
    expect(() => compileRoutes([dup, dup], 1)).toThrow(/duplicate route id/);
    expect(() => parseRoutes([{ id: 'x', match: { path: '/a' }, mode: { kind: 'sideways' } }])).toThrow(/routes\[0\]\.mode/);
  });

  it('parses and formats modes', () => {
    expect(parseMode('canary:25')).toEqual({ kind: 'canary', percent: 25 });
    expect(parseMode('canary(2.5)')).toEqual({ kind: 'canary', percent: 2.5 });
    expect(parseMode('SHADOW')).toEqual({ kind: 'shadow' });
    expect(formatMode({ kind: 'canary', percent: 12.5 })).toBe('canary:12.5');
    expect(() => parseMode('canary:101')).toThrow(/between 0 and 100/);
    expect(() => parseMode('blue')).toThrow(/unknown mode "blue"/);
  });
});

describe('decisions', () => {
  const hitFor = (spec: RouteSpec, r = req('GET', '/u/1')) => {
    const t = compileRoutes([spec], 1);
    return [t.match(r)!, r] as const;
  };

  it('shadow mirrors idempotent requests, writes only when allowed and then as dry-run', () => {
    const spec: RouteSpec = { id: 's', match: { path: '/u/:id' }, mode: { kind: 'shadow' } };
    expect(decide(...hitFor(spec), {})).toEqual({ primary: 'legacy', mirror: true, dryRun: false });
    expect(decide(...hitFor(spec, req('POST', '/u/1')), {})).toEqual({ primary: 'legacy', mirror: false, dryRun: false });
    expect(decide(...hitFor({ ...spec, mirrorWrites: true }, req('POST', '/u/1')), {}))
      .toEqual({ primary: 'legacy', mirror: true, dryRun: true });
  });

  it('owner mode asks the resolver with the entity key, legacy when unknown or without a resolver', () => {
    const spec: RouteSpec = { id: 'o', match: { path: '/u/:id' }, mode: { kind: 'owner' }, entity: 'customer', entityKey: { from: 'param', name: 'id' } };
    const seen: (string | undefined)[] = [];
    const owner = {
      resolve: (_s: RouteSpec, k: string | undefined) => {
        seen.push(k);
        return k === '1' ? { side: 'next' as const, reason: 'in-next' as const } : { side: 'legacy' as const, reason: 'not-in-next' as const };
      },
    };
    expect(decide(...hitFor(spec), { owner })).toMatchObject({ primary: 'next', owner: { reason: 'in-next' } });
    expect(decide(...hitFor(spec, req('GET', '/u/2')), { owner }).primary).toBe('legacy');
    expect(seen).toEqual(['1', '2']);
    expect(decide(...hitFor(spec), {})).toMatchObject({ primary: 'legacy', owner: { reason: 'no-resolver' } });
  });

  it('owner mode without entity or entity key is refused when the table is compiled', () => {
    expect(() => compileRoutes([{ id: 'o', match: { path: '/u/:id' }, mode: { kind: 'owner' }, entityKey: { from: 'param', name: 'id' } }], 1))
      .toThrow(/owner mode needs entity/);
    expect(() => compileRoutes([{ id: 'o', match: { path: '/u/:id' }, mode: { kind: 'owner' }, entity: 'customer' }], 1))
      .toThrow(/owner mode needs entity/);
  });

  it('canary reads the user key from a JWT claim', () => {
    const token = (sub: string) => `x.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.sig`;
    const spec: RouteSpec = { id: 'c', match: { path: '/u/:id' }, mode: { kind: 'canary', percent: 50 }, userKey: { from: 'jwt', claim: 'sub' } };
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const expected = bucketOf(user) < 5000 ? 'next' : 'legacy';
      for (let i = 0; i < 3; i++) {
        expect(decide(...hitFor(spec, req('GET', '/u/1', { authorization: `Bearer ${token(user)}` })), {}).primary).toBe(expected);
      }
    }
  });
});

describe('sticky canary', () => {
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

  it('sends the configured share of 10,000 users to next, each user always to the same side', () => {
    for (const percent of [1, 10, 25, 50, 90]) {
      const toNext = users.filter((u) => canarySide(percent, u) === 'next').length;
      // binomial sd at 50% over 10,000 users is 50 users; 2% of users is 4 sd
      expect(Math.abs(toNext / users.length - percent / 100)).toBeLessThan(0.02);
      for (const u of users.slice(0, 500)) expect(canarySide(percent, u)).toBe(canarySide(percent, u));
    }
    expect(users.filter((u) => canarySide(0, u) === 'next')).toHaveLength(0);
    expect(users.filter((u) => canarySide(100, u) === 'legacy')).toHaveLength(0);
  });

  it('raising the percent only moves users from legacy to next (property)', () => {
    fc.assert(fc.property(fc.string(), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }),
      (user, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (canarySide(lo, user) === 'next') expect(canarySide(hi, user)).toBe('next');
      }), { numRuns: 2000 });
  });

  it('spreads buckets evenly', () => {
    const counts = new Array<number>(10).fill(0);
    for (const u of users) counts[Math.floor(bucketOf(u) / (BUCKETS / 10))]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('keys', () => {
  it('reads cookies', () => {
    expect(cookieValue('a=1; uid=u%2042; b="q"', 'uid')).toBe('u 42');
    expect(cookieValue('a=1; b="q"', 'b')).toBe('q');
    expect(cookieValue(undefined, 'a')).toBeUndefined();
  });

  it('verifies HS256 JWTs only when a secret is configured', () => {
    const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ sub: 'u1' })).toString('base64url');
    const s = createHmac('sha256', 'k').update(`${h}.${p}`).digest('base64url');
    expect(decodeJwt(`${h}.${p}.${s}`, 'k')).toEqual({ sub: 'u1' });
    expect(decodeJwt(`${h}.${p}.${s}`, 'other')).toBeUndefined();
    expect(decodeJwt(`${h}.${p}.bad`)).toEqual({ sub: 'u1' });
    expect(decodeJwt('garbage')).toBeUndefined();
  });
});
