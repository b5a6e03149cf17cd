import type { CapturedResponse, Exchange } from '../exchange.js';
import { JsonNumber } from './json-value.js';
import { NoiseRules, type NoiseConfig } from './noise.js';
import { Redactor, type RedactionConfig } from './redact.js';
import type { DiffReport, DiffSample, EndpointReport, FieldReport, KindReport } from './report.js';
import { diffResponses } from './response-diff.js';
import type { Difference, DiffKind, DiffLimit, DiffOptions } from './types.js';

export interface AggregateCaps {
  /** Endpoints tracked (default 200); exchanges of further endpoints are counted and dropped. */
  readonly maxEndpoints?: number;
  /** Field paths tracked per endpoint (default 300). */
  readonly maxFieldsPerEndpoint?: number;
  /** Distinct combinations of differing fields tracked per endpoint (default 1,000). */
  readonly maxSignaturesPerEndpoint?: number;
  /** Samples kept per endpoint, field and kind (default 3; the first ones seen). */
  readonly samplesPerKind?: number;
}

export interface AggregatorOptions {
  readonly diff?: DiffOptions;
  readonly noise?: NoiseConfig;
  readonly redact?: RedactionConfig;
  readonly caps?: AggregateCaps;
}

/** What one exchange produced; returned by `observe` for metrics and tests. */
export interface ObserveOutcome {
  readonly status: 'compared' | 'skipped-legacy-error' | 'skipped-truncated' | 'dropped-endpoint';
  /** Non-ignored legacy↔next differences (before the statistical noise decision). */
  readonly differences: readonly Difference[];
  /**
   * Whether one of them is a real difference after noise cancellation, judged with the noise statistics as they
   * stand once this exchange is counted (the report re-judges every field as the statistics move; a metric cannot).
   */
  readonly real: boolean;
}

interface KindAgg { count: number; first: number; last: number; samples: DiffSample[] }
interface FieldAgg { rawAll: number; raw: number; noise: number; noiseKinds: Set<DiffKind>; kinds: Map<DiffKind, KindAgg> }
interface EndpointAgg {
  routeId: string;
  compared: number;
  withNoise: number;
  ignored: number;
  fields: Map<string, FieldAgg>;
  /** Sorted differing field paths of a request, joined by "\n" → requests with exactly that combination. */
  signatures: Map<string, number>;
  untracked: number;
}

const OVERFLOW = '(overflow)';

/**
 * Aggregates compared exchanges by endpoint → field path → kind, with counts, first/last seen and a few redacted
 * samples, plus Diffy's raw/noise counts. Whether a field is a real difference is decided when the report is built
 * (the noise statistics keep moving); a request is compatible when none of its differing fields is real, which is why
 * each distinct combination of differing fields is counted. Memory is bounded by the caps.
 */
export class DiffAggregator {
  readonly rules: NoiseRules;
  readonly redactor: Redactor;
  private readonly diffOptions: DiffOptions;
  private readonly caps: Required<AggregateCaps>;
  private readonly endpoints = new Map<string, EndpointAgg>();
  private skippedLegacy = 0;
  private skippedTruncated = 0;
  private droppedEndpoints = 0;
  private droppedFields = 0;
  private readonly partial: Record<DiffLimit, number> = { differences: 0, depth: 0, nodes: 0 };

  constructor(options: AggregatorOptions = {}) {
    this.rules = new NoiseRules(options.noise);
    this.redactor = new Redactor(options.redact);
    this.diffOptions = options.diff ?? {};
    const c = options.caps ?? {};
    this.caps = {
      maxEndpoints: c.maxEndpoints ?? 200, maxFieldsPerEndpoint: c.maxFieldsPerEndpoint ?? 300,
      maxSignaturesPerEndpoint: c.maxSignaturesPerEndpoint ?? 1000, samplesPerKind: c.samplesPerKind ?? 3,
    };
  }

  observe(ex: Exchange): ObserveOutcome {
    if (ex.legacy.error !== undefined || ex.legacy.status === 0) { this.skippedLegacy++; return { status: 'skipped-legacy-error', differences: [], real: false }; }
    if (ex.legacy.truncated || (ex.next.truncated && ex.next.error === undefined)) {
      this.skippedTruncated++;
      return { status: 'skipped-truncated', differences: [], real: false };
    }
    let ep = this.endpoints.get(ex.endpoint);
    if (!ep) {
      if (this.endpoints.size >= this.caps.maxEndpoints) { this.droppedEndpoints++; return { status: 'dropped-endpoint', differences: [], real: false }; }
      ep = { routeId: ex.routeId, compared: 0, withNoise: 0, ignored: 0, fields: new Map(), signatures: new Map(), untracked: 0 };
      this.endpoints.set(ex.endpoint, ep);
    }
    const raw = this.compare(ex.legacy, ex.next);
    const l2 = ex.legacy2;
    const noise = l2 && l2.error === undefined && l2.status !== 0 && !l2.truncated ? this.compare(ex.legacy, l2) : undefined;
    for (const l of raw.limits) this.partial[l]++;

    const kept: Difference[] = [];
    for (const d of raw.differences) {
      if (this.rules.isIgnored(ex.routeId, ex.endpoint, d.normPath)) ep.ignored++;
      else kept.push(d);
    }
    ep.compared++;
    if (noise) ep.withNoise++;

    // one count per request and field (several indexes of one normalised path count once)
    const byPath = new Map<string, Difference[]>();
    for (const d of kept) {
      const list = byPath.get(d.normPath);
      if (list) list.push(d); else byPath.set(d.normPath, [d]);
    }
    const sigPaths: string[] = [];
    for (const [path, diffs] of byPath) {
      const f = this.field(ep, path);
      if (!f) { sigPaths.push(OVERFLOW); continue; }
      sigPaths.push(path);
      f.rawAll++;
      if (noise) f.raw++;
      const seenKinds = new Set<DiffKind>();
      for (const d of diffs) {
        if (seenKinds.has(d.kind)) continue;
        seenKinds.add(d.kind);
        this.addKind(f, d, ex);
      }
    }
    if (noise) {
      const noisy = new Map<string, Set<DiffKind>>();
      for (const d of noise.differences) {
        const kinds = noisy.get(d.normPath);
        if (kinds) kinds.add(d.kind); else noisy.set(d.normPath, new Set([d.kind]));
      }
      for (const [path, kinds] of noisy) {
        if (this.rules.isIgnored(ex.routeId, ex.endpoint, path)) continue;
        const f = this.field(ep, path);
        if (!f) continue;
        f.noise++;
        for (const k of kinds) f.noiseKinds.add(k);
      }
    }
    if (sigPaths.length > 0) {
      const sig = [...new Set(sigPaths)].sort().join('\n');
      const n = ep.signatures.get(sig);
      if (n !== undefined) ep.signatures.set(sig, n + 1);
      else if (ep.signatures.size < this.caps.maxSignaturesPerEndpoint) ep.signatures.set(sig, 1);
      else ep.untracked++;
    }
    return { status: 'compared', differences: kept, real: sigPaths.some((p) => p === OVERFLOW || this.isReal(ep, p)) };
  }

  private isReal(ep: EndpointAgg, path: string): boolean {
    const f = ep.fields.get(path);
    if (!f) return true;
    const kindsSeenInNoise = [...f.kinds.keys()].every((k) => f.noiseKinds.has(k));
    return this.rules.classify({ raw: f.raw, noise: f.noise, total: ep.withNoise, rawAll: f.rawAll, kindsSeenInNoise }).real;
  }

  private compare(a: CapturedResponse, b: CapturedResponse): { differences: Difference[]; limits: DiffLimit[] } {
    if (b.error !== undefined || b.status === 0) {
      return { differences: [{ path: 'status', normPath: 'status', kind: 'value', legacy: new JsonNumber(String(a.status)),
        next: new JsonNumber('0'), note: `no answer: ${b.error ?? 'status 0'}` }], limits: [] };
    }
    return diffResponses(a, b, this.diffOptions);
  }

  private field(ep: EndpointAgg, path: string): FieldAgg | undefined {
    let f = ep.fields.get(path);
    if (!f) {
      if (ep.fields.size >= this.caps.maxFieldsPerEndpoint) { this.droppedFields++; return undefined; }
      f = { rawAll: 0, raw: 0, noise: 0, noiseKinds: new Set(), kinds: new Map() };
      ep.fields.set(path, f);
    }
    return f;
  }

  private addKind(f: FieldAgg, d: Difference, ex: Exchange): void {
    let k = f.kinds.get(d.kind);
    if (!k) { k = { count: 0, first: ex.at, last: ex.at, samples: [] }; f.kinds.set(d.kind, k); }
    k.count++;
    k.first = Math.min(k.first, ex.at);
    k.last = Math.max(k.last, ex.at);
    if (k.samples.length < this.caps.samplesPerKind) k.samples.push(this.sample(d, ex));
  }

  private sample(d: Difference, ex: Exchange): DiffSample {
    const r = this.redactor;
    const name = lastFieldName(d.path);
    const header = d.path.startsWith('header:') ? d.path.slice(7) : undefined;
    const hide = header !== undefined && r.isSensitiveHeader(header);
    const s: { -readonly [K in keyof DiffSample]: DiffSample[K] } = {
      traceId: ex.traceId, at: new Date(ex.at).toISOString(), request: `${ex.request.method} ${r.url(ex.request.url)}`, path: r.text(d.path),
    };
    const lv = hide ? (d.legacy !== undefined ? '"***"' : undefined) : r.preview(d.legacy, name);
    const nv = hide ? (d.next !== undefined ? '"***"' : undefined) : r.preview(d.next, name);
    if (lv !== undefined) s.legacy = lv;
    if (nv !== undefined) s.next = nv;
    if (d.note !== undefined) s.note = r.text(d.note);
    return s;
  }

  report(queueDropped = 0): DiffReport {
    const endpoints: EndpointReport[] = [];
    let compared = 0;
    let compatible = 0;
    let withNoise = 0;
    let untracked = 0;
    for (const [endpoint, ep] of [...this.endpoints].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const fields: FieldReport[] = [];
      const real = new Set<string>([OVERFLOW]);
      for (const [path, f] of ep.fields) {
        const kindsSeenInNoise = [...f.kinds.keys()].every((k) => f.noiseKinds.has(k));
        const v = this.rules.classify({ raw: f.raw, noise: f.noise, total: ep.withNoise, rawAll: f.rawAll, kindsSeenInNoise });
        if (v.real) real.add(path);
        if (f.rawAll === 0) continue;
        const kinds: KindReport[] = [...f.kinds].map(([kind, k]) => ({
          kind, count: k.count, firstSeen: new Date(k.first).toISOString(), lastSeen: new Date(k.last).toISOString(), samples: k.samples,
        }));
        const fr: { -readonly [K in keyof FieldReport]: FieldReport[K] } = {
          path: this.redactor.text(path), real: v.real, reason: v.reason, differing: f.rawAll, raw: f.raw, noise: f.noise, kinds,
        };
        if (v.relative !== undefined) fr.relative = v.relative;
        if (v.absolute !== undefined) fr.absolute = v.absolute;
        fields.push(fr);
      }
      fields.sort((a, b) => Number(b.real) - Number(a.real) || b.differing - a.differing || (a.path < b.path ? -1 : 1));
      let incompatible = ep.untracked;
      for (const [sig, n] of ep.signatures) if (sig.split('\n').some((p) => real.has(p))) incompatible += n;
      const ok = ep.compared - incompatible;
      endpoints.push({ endpoint, routeId: ep.routeId, compared: ep.compared, withNoise: ep.withNoise, compatible: ok,
        compatibility: ep.compared === 0 ? null : ok / ep.compared, ignoredDifferences: ep.ignored, fields });
      compared += ep.compared;
      compatible += ok;
      withNoise += ep.withNoise;
      untracked += ep.untracked;
    }
    return {
      generatedAt: new Date().toISOString(),
      thresholds: { relative: this.rules.relativeThreshold, absolute: this.rules.absoluteThreshold },
      compared, compatible, compatibility: compared === 0 ? null : compatible / compared, withNoise,
      skipped: { legacyError: this.skippedLegacy, truncated: this.skippedTruncated },
      endpoints,
      limits: { droppedEndpoints: this.droppedEndpoints, droppedFields: this.droppedFields, untrackedRequests: untracked,
        partial: { ...this.partial }, queueDropped },
    };
  }
}

/** The member name a concrete path ends with (`$.customer.email` → `email`), for field-name redaction. */
function lastFieldName(path: string): string | undefined {
  const m = /(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[("(?:[^"\\]|\\.)*")\])$/.exec(path);
  if (!m) return undefined;
  return m[1] ?? (JSON.parse(m[2] as string) as string);
}
