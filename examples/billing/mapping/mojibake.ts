/**
 * Mojibake: UTF-8 bytes that were read as Windows-1252 (what MariaDB calls latin1) and stored again, e.g. "é" →
 * "Ã©". The old web portal wrote UTF-8 into latin1 columns through a latin1 connection for years.
 * `toMojibake` produces it (the generator), `repairMojibake` undoes it (the cleaning step).
 */

// Windows-1252 differs from ISO-8859-1 in 0x80–0x9F; the five undefined bytes map to themselves (as MariaDB does).
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((cp, i) => [cp, 0x80 + i]));

export function toMojibake(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80]! : byte);
  return out;
}

/** Text that looks like mojibake: a UTF-8 lead byte (Ã, Â, Å...) followed by a continuation char. */
const SUSPECT = /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/;

export function looksLikeMojibake(text: string): boolean {
  return SUSPECT.test(text);
}

/**
 * Undo mojibake when the text really is UTF-8 read as Windows-1252; otherwise return it unchanged (a genuine "Ã"
 * followed by a symbol stays as is, because the bytes would not decode as UTF-8).
 */
export function repairMojibake(text: string): string {
  if (!looksLikeMojibake(text)) return text;
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xff) bytes.push(cp);
    else {
      const b = CP1252_REVERSE.get(cp);
      if (b === undefined) return text;
      bytes.push(b);
    }
  }
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
  return decoded.includes('\ufffd') ? text : decoded;
}
