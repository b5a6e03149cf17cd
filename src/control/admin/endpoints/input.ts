import { AdminRequestError } from '../errors.js';

/** Small readers of request bodies and query strings that say which field is wrong (HTTP 400). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AdminRequestError('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw new AdminRequestError(`${key}: expected a non-empty string`, { field: key });
  return v;
}

export function queryInt(q: URLSearchParams, key: string, min: number, max: number): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new AdminRequestError(`${key}: expected an integer in ${min}..${max}, found "${v}"`, { field: key });
  return n;
}

export function queryString(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  return v === null || v === '' ? undefined : v;
}
