import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * The admin port's /metrics for a cluster: the primary asks each worker that is serving for its registry (as JSON)
 * and sums them with prom-client's aggregators.
 *
 * Why not prom-client's `AggregatorRegistry.clusterMetrics()`: it asks every connected worker, including one still
 * loading its modules after a restart. That worker drops the request (no listener yet), and the whole scrape fails
 * after 5 s. Here only workers that have listened are asked, so a worker being replaced costs its own series for one
 * scrape, never the scrape.
 */
const REQUEST = 'siphon:metrics-request';
const RESPONSE = 'siphon:metrics-response';

interface MetricsRequest { readonly type: typeof REQUEST; readonly id: number }
interface MetricsResponse {
  readonly type: typeof RESPONSE;
  readonly id: number;
  readonly metrics?: unknown[];
  readonly error?: string;
}

interface Pending {
  readonly waiting: Set<number>;
  readonly parts: unknown[][];
  readonly resolve: (text: string) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Primary side. `serving(w)` once a worker listens; workers that exit are forgotten by themselves. */
export class ClusterMetrics {
  readonly contentType = AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;
  readonly #serving = new Map<number, Worker>();
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  constructor(private readonly timeoutMs = 3000) {
    cluster.on('message', (w: Worker, m: Partial<MetricsResponse>) => {
      if (m?.type === RESPONSE && typeof m.id === 'number') this.#answer(w.id, m as MetricsResponse);
    });
    cluster.on('exit', (w: Worker) => {
      this.#serving.delete(w.id);
      // a worker that died mid-scrape will not answer: the scrape goes on with the others
      for (const [id, p] of this.#pending) if (p.waiting.delete(w.id)) this.#settle(id, p);
    });
  }

  serving(w: Worker): void { this.#serving.set(w.id, w); }

  /** Prometheus text summed over the serving workers; fails if one of them does not answer in time. */
  render(): Promise<string> {
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const waiting = new Set<number>();
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`workers ${[...waiting].join(', ')} did not send their metrics within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const p: Pending = { waiting, parts: [], resolve, reject, timer };
      this.#pending.set(id, p);
      const msg: MetricsRequest = { type: REQUEST, id };
      for (const w of this.#serving.values()) {
        if (!w.isConnected()) continue;
        waiting.add(w.id);
        w.send(msg);
      }
      this.#settle(id, p);
    });
  }

  #answer(worker: number, m: MetricsResponse): void {
    const p = this.#pending.get(m.id);
    if (!p || !p.waiting.delete(worker)) return;
    if (m.error !== undefined) {
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      p.reject(new Error(`worker ${worker}: ${m.error}`));
      return;
    }
    p.parts.push(m.metrics ?? []);
    this.#settle(m.id, p);
  }

  #settle(id: number, p: Pending): void {
    if (p.waiting.size > 0 || !this.#pending.has(id)) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    // prom-client's aggregate() takes the JSON form getMetricsAsJSON() produced in each worker
    Promise.resolve(AggregatorRegistry.aggregate(p.parts as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics())
      .then(p.resolve, p.reject);
  }
}

/** Worker side: answers the primary's metrics requests from `registry`. */
export function answerMetricsRequests(registry: Registry): void {
  process.on('message', (m: Partial<MetricsRequest>) => {
    if (m?.type !== REQUEST || typeof m.id !== 'number') return;
    const id = m.id;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: RESPONSE, id, metrics } satisfies MetricsResponse),
      (e: Error) => process.send?.({ type: RESPONSE, id, error: e.message } satisfies MetricsResponse),
    );
  });
}
