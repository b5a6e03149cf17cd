/**
 * A reader of the Prometheus text exposition format (what `/metrics` serves, also the cluster-aggregated text), for
 * the few series the dashboard charts. Comments and malformed lines are skipped: a figure the dashboard cannot read
 * is shown as missing, never invented.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/g;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf': return Infinity;
    case '-Inf': return -Infinity;
    case 'NaN': return NaN;
    default: return Number(text);
  }
}

/** Samples of the wanted metric families (`wanted(name)`), in text order. */
export function parsePromText(text: string, wanted: (name: string) => boolean = () => true): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m || !wanted(m[1]!)) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    const value = parseValue(m[4]!);
    if (Number.isNaN(value) && m[4] !== 'NaN') continue;
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/**
 * A quantile from cumulative histogram buckets (`le` → count), by linear interpolation inside the bucket as
 * Prometheus' `histogram_quantile` does. Null when the histogram is empty.
 */
export function bucketQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  if (bounds.length === 0) return null;
  const total = buckets.get(bounds[bounds.length - 1]!) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const b of bounds) {
    const c = buckets.get(b)!;
    if (c >= rank) {
      if (b === Infinity) return prevBound; // beyond the last finite bound: the best we can say is that bound
      const inBucket = c - prevCount;
      return inBucket <= 0 ? b : prevBound + (b - prevBound) * ((rank - prevCount) / inBucket);
    }
    prevBound = b;
    prevCount = c;
  }
  return prevBound;
}
