import { AdminRemoteError, AdminUnreachableError } from './errors.js';

/**
 * The CLI's side of the admin API: JSON over HTTP with the bearer token. An error answer becomes an
 * `AdminRemoteError` with the server's code, so the CLI exits as it would have on the state store directly.
 */
export class AdminClient {
  private readonly base: string;

  constructor(url: string, private readonly token: string, private readonly timeoutMs = 120_000) {
    this.base = url.replace(/\/+$/, '');
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.call<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new AdminUnreachableError(this.base, (e as Error & { cause?: Error }).cause ?? e);
    }
    const text = await res.text();
    let json: unknown;
    try { json = text === '' ? undefined : JSON.parse(text); } catch {
      throw new AdminUnreachableError(this.base, new Error(`answered ${res.status} with something that is not JSON (is this the admin API?)`));
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      throw new AdminRemoteError(res.status, typeof e?.code === 'string' ? e.code : `ADMIN_HTTP_${res.status}`,
        typeof e?.message === 'string' ? e.message : `admin API answered ${res.status}`);
    }
    return json as T;
  }
}
