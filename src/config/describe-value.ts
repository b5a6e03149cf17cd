/** Masks anything that looks like a password inside a URL-ish string: `user:secret@host` → `user:***@host`. */
export function maskSecrets(s: string): string {
  return s.replace(/:[^:@/\s]+@/g, ':***@').replace(/([?&](password|pass|pwd|secret|token)=)[^&\s]*/gi, '$1***');
}

/** How a found value is described in config error messages: its type and, for scalars, its value. */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': {
      const s = maskSecrets(v);
      return `string ${JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)}`;
    }
    case 'number': case 'boolean': return `${typeof v} ${String(v)}`;
    case 'bigint': return `bigint ${v}n`;
    case 'function': return 'a function';
    case 'symbol': return 'a symbol';
    case 'object': {
      if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : `an array of ${v.length}`;
      const keys = Object.keys(v);
      if (keys.length === 0) return 'an empty object';
      return `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`;
    }
    default: return typeof v;
  }
}

/** Formats a path (`['tables', 'CLIENT', 'clean', 2]`) as `tables.CLIENT.clean[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/** The value at a path inside a nested object, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase(), y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[x.length]![y.length]!;
}

/** The closest candidate when it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) { best = c; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
