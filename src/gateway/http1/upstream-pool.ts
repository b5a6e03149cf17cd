import { GatewayConfigError, UpstreamError } from '../errors.js';
import { UpstreamConnection, type ConnectionOwner, type UpstreamTarget } from './upstream-connection.js';
import { UpstreamExchange, type ExchangePool, type UpstreamHandler, type UpstreamRequest } from './upstream-exchange.js';

export interface UpstreamPoolOptions {
  /** Most connections open at once; requests beyond wait in a FIFO queue. */
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /** From the end of the request (or from queueing, for a request that never got a connection) to the response head. */
  readonly headersTimeoutMs: number;
  /** Longest silence while the response body streams (not counted while the client is the one not reading). */
  readonly bodyTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly idleMs: number;
  readonly maxHeaderSize: number;
  /**
   * Most exchanges one client may have here at once (queued or on a connection); its further requests are parked
   * until one of its own ends, so the others keep their turns. Absent: no per-client limit.
   */
  readonly perClientMax?: number;
}

function target(url: string, maxHeaderSize: number): UpstreamTarget {
  let u: URL;
  try { u = new URL(url); } catch { throw new GatewayConfigError(`not a URL: ${JSON.stringify(url)}`, 'upstream'); }
  const tls = u.protocol === 'https:';
  if (!tls && u.protocol !== 'http:') throw new GatewayConfigError(`upstream must be http:// or https://, got ${u.protocol}`, 'upstream');
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  return { origin: u.origin, host: u.hostname.replace(/^\[|\]$/g, ''), port, tls, hostHeader: u.host, maxHeaderSize };
}

/**
 * Keep-alive connections to one upstream origin, one exchange per connection at a time. Idle connections are reused
 * most-recently-used first (warm ones stay warm, cold ones time out). One sweep timer per pool enforces every timeout,
 * so no timer is created per request.
 */
export class UpstreamPool implements ConnectionOwner, ExchangePool {
  readonly target: UpstreamTarget;
  readonly #idle: UpstreamConnection[] = [];
  readonly #all = new Set<UpstreamConnection>();
  /** Connections still connecting, each reserved for the queue head when it connects. */
  #connecting = 0;
  readonly #queue: UpstreamExchange[] = [];
  #queueHead = 0;
  readonly #sweep: NodeJS.Timeout;
  #closed = false;
  /** Per client: exchanges admitted (queued or on a connection), and those parked behind its share. */
  readonly #perClient = new Map<string, number>();
  readonly #parked = new Map<string, UpstreamExchange[]>();
  readonly #perClientMax: number;

  constructor(url: string, readonly options: UpstreamPoolOptions) {
    this.target = target(url, options.maxHeaderSize);
    this.#perClientMax = Math.max(1, options.perClientMax ?? Infinity);
    const o = options;
    const every = Math.max(10, Math.min(500, Math.min(o.connectTimeoutMs, o.headersTimeoutMs, o.bodyTimeoutMs, o.idleMs) / 10));
    this.#sweep = setInterval(() => this.#check(), every);
    this.#sweep.unref();
  }

  get origin(): string { return this.target.origin; }
  /** Requests waiting for a connection. */
  get queued(): number { return this.#queue.length - this.#queueHead; }
  get open(): number { return this.#all.size; }
  /** Requests parked behind their client's share. */
  get parked(): number { let n = 0; for (const l of this.#parked.values()) n += l.length; return n; }

  /**
   * Starts a request; its body (if any) is written through the returned exchange. `client` (an address or user key)
   * counts it in that client's share: past `perClientMax`, it waits for one of the client's own exchanges to end.
   */
  request(req: UpstreamRequest, handler: UpstreamHandler, client?: string): UpstreamExchange {
    const ex = new UpstreamExchange(req, handler, this, this.#perClientMax === Infinity ? undefined : client);
    if (this.#closed) {
      ex.state = 'done';
      queueMicrotask(() => handler.onError(new UpstreamError('closed', this.origin, 'the gateway is shutting down')));
      return ex;
    }
    if (ex.client !== undefined) {
      const n = this.#perClient.get(ex.client) ?? 0;
      if (n >= this.#perClientMax) {
        ex.parked = true;
        const list = this.#parked.get(ex.client);
        if (list) list.push(ex); else this.#parked.set(ex.client, [ex]);
        return ex;
      }
      this.#perClient.set(ex.client, n + 1);
      ex.admitted = true;
    }
    this.#dispatch(ex);
    return ex;
  }

  settled(ex: UpstreamExchange): void {
    const key = ex.client!;
    const list = this.#parked.get(key);
    if (ex.parked) {
      ex.parked = false;
      const i = list ? list.indexOf(ex) : -1;
      if (i >= 0) list!.splice(i, 1);
      if (list?.length === 0) this.#parked.delete(key);
      return;
    }
    ex.admitted = false;
    const next = list?.shift();
    if (list?.length === 0) this.#parked.delete(key);
    if (!next) {
      const n = this.#perClient.get(key)! - 1;
      if (n > 0) this.#perClient.set(key, n); else this.#perClient.delete(key);
      return;
    }
    // the client's turn passes to its own next request (its count is unchanged). Dispatched after the current callback:
    // the connection that carried `ex` is usually handed back to the pool right after, and takes it.
    next.parked = false;
    next.admitted = true;
    queueMicrotask(() => { if (next.state === 'queued') this.#dispatch(next); });
  }

  #dispatch(ex: UpstreamExchange): void {
    if (this.#closed) {
      ex.state = 'done';
      ex.handler.onError(new UpstreamError('closed', this.origin, 'the gateway is shutting down'));
      return;
    }
    let idle = this.#idle.pop();
    // past the upstream's own keep-alive timeout: it may be closing it right now (checked here, the sweep is coarse)
    while (idle && idle.keepAliveMs !== Infinity && performance.now() - idle.idleSince >= idle.keepAliveMs) {
      idle.close();
      idle = this.#idle.pop();
    }
    if (idle) idle.assign(ex);
    else { this.#queue.push(ex); this.#grow(); }
  }

  unqueue(ex: UpstreamExchange): void {
    const i = this.#queue.indexOf(ex, this.#queueHead);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  retry(ex: UpstreamExchange): void {
    this.#queue.splice(this.#queueHead, 0, ex); // at the front: it was already served once
    this.#grow();
  }

  connected(c: UpstreamConnection): void {
    this.#connecting--;
    this.released(c);
  }

  released(c: UpstreamConnection): void {
    const next = this.#dequeue();
    if (next) { c.assign(next); return; }
    if (this.#closed) { c.close(); return; }
    this.#idle.push(c);
  }

  gone(c: UpstreamConnection): void {
    if (!this.#all.delete(c)) return;
    if (!c.isConnected) this.#connecting--;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    // A failed connect fails the request it was opened for (the queue head), not every waiting one: the others
    // get their own attempt, so one refused connection is one error, as with undici.
    if (!c.isConnected && !this.#closed) {
      const ex = this.#dequeue();
      if (ex) {
        ex.state = 'done';
        ex.handler.onError(c.lastError ?? new UpstreamError('connect', this.origin, 'cannot connect'));
      }
    }
    if (this.queued > 0 && !this.#closed) this.#grow();
  }

  /** Stops taking requests; idle connections close now, busy ones after their exchange. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const c of this.#idle.splice(0)) c.close();
    const waiting = [...this.#parked.values()].flat();
    for (let ex = this.#dequeue(); ex; ex = this.#dequeue()) waiting.push(ex);
    for (const ex of waiting) {
      if (ex.state === 'done') continue;
      ex.state = 'done';
      ex.handler.onError(new UpstreamError('closed', this.origin, 'the gateway is shutting down'));
    }
  }

  /** Closes everything now, failing what is in flight. */
  destroy(): void {
    this.close();
    for (const c of [...this.#all]) c.fail('closed', 'the gateway is shutting down');
  }

  #dequeue(): UpstreamExchange | undefined {
    while (this.#queueHead < this.#queue.length) {
      const ex = this.#queue[this.#queueHead++]!;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead);
        this.#queueHead = 0;
      }
      if (ex.state === 'queued') return ex;
    }
    return undefined;
  }

  /** Opens connections for waiting requests, within the limit. */
  #grow(): void {
    while (this.#connecting < this.queued && this.#all.size < this.options.connections) {
      const c = new UpstreamConnection(this.target, this);
      this.#all.add(c);
      this.#connecting++;
    }
  }

  #check(): void {
    const now = performance.now();
    const o = this.options;
    for (const c of this.#all) {
      if (!c.isConnected) {
        if (now - c.connectStartedAt > o.connectTimeoutMs) {
          c.lastError = new UpstreamError('connect-timeout', this.origin, `no connection within ${o.connectTimeoutMs} ms`);
          c.close();
        }
        continue;
      }
      const ex = c.ex;
      if (!ex) {
        if (now - c.idleSince > Math.min(o.idleMs, c.keepAliveMs)) c.close();
        continue;
      }
      if (ex.state === 'sent' && ex.bodyEnded && now - ex.sentAt > o.headersTimeoutMs) {
        c.fail('headers-timeout', `no response head within ${o.headersTimeoutMs} ms`);
      } else if (ex.state === 'receiving' && !ex.paused && now - ex.lastByteAt > o.bodyTimeoutMs) {
        c.fail('body-timeout', `response body stalled for more than ${o.bodyTimeoutMs} ms`);
      }
    }
    for (const list of [...this.#parked.values()]) {
      for (const ex of list.slice()) {
        if (now - ex.createdAt <= o.headersTimeoutMs) break; // oldest first
        ex.state = 'done';
        ex.handler.onError(new UpstreamError('queue-timeout', this.origin,
          `no turn within ${o.headersTimeoutMs} ms: this client already holds ${this.#perClientMax} exchanges here`));
      }
    }
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const ex = this.#queue[i]!;
      if (ex.state !== 'queued' || now - ex.createdAt <= o.headersTimeoutMs) continue;
      ex.state = 'done';
      ex.handler.onError(new UpstreamError('queue-timeout', this.origin,
        `no free connection within ${o.headersTimeoutMs} ms (${this.#all.size} open, ${this.queued} waiting)`));
    }
  }
}
