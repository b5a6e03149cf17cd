/**
 * Mojibake: UTF-8 bytes that were read as Windows-1252 (what MariaDB calls latin1) and stored again, e.g. "é" →
 * "Ã©". The old web portal wrote UTF-8 into latin1 columns through a latin1 connection for years.
 * `toMojibake` produces it; the migration's `repairEncoding` cleaning step (src/config) undoes it.
 */

// Windows-1252 differs from ISO-8859-1 in 0x80–0x9F; the five undefined bytes map to themselves (as MariaDB does).
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export function toMojibake(text: string): string {
  return cp1252Decode(Buffer.from(text, 'utf8'));
}

/** Bytes read as Windows-1252, as a latin1 connection shows them. */
export function cp1252Decode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80]! : byte);
  return out;
}
