/**
 * Positional `?` placeholders in SQL text, found by a small scanner that skips string literals, quoted identifiers,
 * comments and (PostgreSQL) dollar-quoted strings, so that a `?` inside `'what?'` is left alone.
 */
export interface PlaceholderScan {
  /** Offsets of the `?` placeholders in the text. */
  readonly positions: readonly number[];
}

export interface ScanOptions {
  /** PostgreSQL: $tag$ ... $tag$ strings, E'...' strings with backslash escapes, and the ?| ?& JSON operators. */
  readonly postgres?: boolean;
  /** MySQL/MariaDB: backslash escapes in every quoted string. */
  readonly backslashEscapes?: boolean;
}

export function scanPlaceholders(sql: string, options: ScanOptions = {}): PlaceholderScan {
  const dollarQuotes = options.postgres === true;
  const positions: number[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const eString = dollarQuotes && c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ' ');
      i = skipQuoted(sql, i, c, c !== '"' && (options.backslashEscapes === true || eString));
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (dollarQuotes && c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
        const end = sql.indexOf(m[0], i + m[0].length);
        i = end < 0 ? n : end + m[0].length;
      } else i++;
    } else if (c === '?') {
      // PostgreSQL JSON operators ?| ?& are not placeholders; a lone ? is.
      if (dollarQuotes && (sql[i + 1] === '|' || sql[i + 1] === '&')) { i += 2; continue; }
      positions.push(i);
      i++;
    } else i++;
  }
  return { positions };
}

/** Quoted text ends at the matching quote; a doubled quote is an escaped one. Backslash escapes are honoured too. */
function skipQuoted(sql: string, start: number, q: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\' && backslash) { i += 2; continue; }
    if (c === q) {
      if (sql[i + 1] === q) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Replace each `?` placeholder by `$1`, `$2`... (PostgreSQL). */
export function toDollarPlaceholders(sql: string): { sql: string; count: number } {
  const { positions } = scanPlaceholders(sql, { postgres: true });
  if (positions.length === 0) return { sql, count: 0 };
  let out = '';
  let last = 0;
  positions.forEach((p, k) => { out += sql.slice(last, p) + '$' + (k + 1); last = p + 1; });
  return { sql: out + sql.slice(last), count: positions.length };
}

export function countPlaceholders(sql: string, options: ScanOptions = {}): number {
  return scanPlaceholders(sql, options).positions.length;
}
