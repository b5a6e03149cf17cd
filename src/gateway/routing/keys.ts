import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertNever } from '../../errors.js';
import type { KeySource } from './route.js';

/** What key extraction needs from a request: matched path params and (lazily read) headers. */
export interface KeyContext {
  readonly params: Readonly<Record<string, string>>;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
}

/**
 * JWT claims are read from `Authorization: Bearer <jwt>`. Without `jwtSecret` the payload is decoded WITHOUT
 * verifying the signature: routing only decides which side answers, it grants nothing, and the upstreams still
 * authenticate the token. With `jwtSecret` (HS256) a token with a bad signature yields no key (random routing).
 */
export function extractKey(source: KeySource, ctx: KeyContext, jwtSecret?: string): string | undefined {
  switch (source.from) {
    case 'param': return ctx.params[source.name];
    case 'header': return ctx.header(source.name.toLowerCase());
    case 'cookie': return ctx.cookie(source.name);
    case 'jwt': {
      const auth = ctx.header('authorization');
      if (!auth || !/^bearer /i.test(auth)) return undefined;
      const claims = decodeJwt(auth.slice(7).trim(), jwtSecret);
      const v = claims?.[source.claim];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    }
    default: return assertNever(source, 'key source');
  }
}

export function decodeJwt(token: string, secret?: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (secret !== undefined) {
    const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
    const got = Buffer.from(s, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
      if (header.alg !== 'HS256') return undefined;
    } catch { return undefined; }
  }
  try {
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' ? payload as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Value of one cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      try { return decodeURIComponent(raw); } catch { return raw; }
    }
  }
  return undefined;
}
