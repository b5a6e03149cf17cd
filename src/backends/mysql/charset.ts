import { TextDecoder } from 'node:util';
import { decodeUtf8, hex } from '../sql/encode-common.js';
import { invalid } from '../../values/construct.js';
import type { InvalidValue } from '../../values/value.js';

// MariaDB's `latin1` is really cp1252 (0x80 is €), with the five bytes cp1252 leaves undefined (0x81 0x8D 0x8F 0x90
// 0x9D) mapped to the C1 controls U+0081... Node's TextDecoder('windows-1252') decodes 0x80-0x9F as ISO-8859-1
// (U+0080...), so the table is spelt out here.
const CP1252_80_9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** MariaDB latin1 (cp1252) bytes → text. Every byte has a character: this never fails. */
export function decodeCp1252(buf: Uint8Array): string {
  return cp1252FromLatin1(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1'));
}

/**
 * Bytes held as a latin1 string (one char per byte) → their cp1252 text: the same chars but 0x80-0x9F, which
 * cp1252 maps elsewhere (most values have none of them: returned as they are).
 */
export function cp1252FromLatin1(s: string): string {
  let i = 0;
  for (; i < s.length; i++) { const c = s.charCodeAt(i); if (c >= 0x80 && c <= 0x9f) break; }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x80 && c <= 0x9f ? String.fromCharCode(CP1252_80_9F[c - 0x80]!) : s[i]!;
  }
  return out;
}

/**
 * Whether bytes are well-formed UTF-8 (the WHATWG decoder's rules: no overlongs, no surrogates, nothing above
 * U+10FFFF), read through `at` so that a Buffer and a latin1 string of bytes share it. No exception is thrown:
 * a failing TextDecoder costs far more than a scan.
 */
function wellFormedUtf8(n: number, at: (i: number) => number): boolean {
  let i = 0;
  while (i < n) {
    const b = at(i);
    if (b < 0x80) { i++; continue; }
    let need: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) { need = 2; if (b === 0xe0) lo = 0xa0; else if (b === 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; if (b === 0xf0) lo = 0x90; else if (b === 0xf4) hi = 0x8f; }
    else return false;
    if (i + need >= n) return false; // the sequence runs past the end
    const b1 = at(i + 1);
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) { const x = at(i + k); if (x < 0x80 || x > 0xbf) return false; }
    i += need + 1;
  }
  return true;
}

/** `wellFormedUtf8` of the bytes a latin1 string holds. */
export function wellFormedUtf8Latin1(s: string): boolean {
  return wellFormedUtf8(s.length, (i) => s.charCodeAt(i));
}

/** Bytes held as a latin1 string → their UTF-8 text, or undefined when they are not well-formed UTF-8. */
export function utf8FromLatin1(s: string): string | undefined {
  return wellFormedUtf8Latin1(s) ? Buffer.from(s, 'latin1').toString('utf8') : undefined;
}

// Other MariaDB/MySQL character set names → WHATWG decoder labels.
const LABELS: Record<string, string> = {
  cp1250: 'windows-1250', cp1251: 'windows-1251', cp1256: 'windows-1256', cp1257: 'windows-1257',
  latin2: 'iso-8859-2', greek: 'iso-8859-7', hebrew: 'iso-8859-8', latin5: 'windows-1254', latin7: 'iso-8859-13',
  koi8r: 'koi8-r', koi8u: 'koi8-u', sjis: 'shift_jis', cp932: 'shift_jis', ujis: 'euc-jp', eucjpms: 'euc-jp',
  gbk: 'gbk', gb2312: 'gbk', gb18030: 'gb18030', big5: 'big5', euckr: 'euc-kr', ucs2: 'utf-16be', utf16: 'utf-16be',
  utf16le: 'utf-16le', macroman: 'macintosh', cp866: 'ibm866', tis620: 'windows-874',
};
const decoders = new Map<string, TextDecoder>();

export interface DecodeTextOptions {
  /**
   * latin1 columns that hold UTF-8 bytes (an application wrote UTF-8 through a latin1 connection) decode to mojibake
   * such as "cafÃ©". When the bytes of a latin1 value contain non-ASCII bytes and are also well-formed multi-byte
   * UTF-8, the value is ambiguous: reported as invalid-encoding (hex) instead of guessed. Default true.
   */
  readonly flagLatin1Mojibake?: boolean;
}

/**
 * Decode the raw bytes of a text value by the column's character set. Bytes that are not valid in that character
 * set become `invalid('invalid-encoding', hex)`; nothing is replaced by U+FFFD.
 */
export function decodeMysqlText(buf: Uint8Array, charset: string | undefined, options: DecodeTextOptions = {}): string | InvalidValue {
  const cs = (charset ?? 'utf8mb4').toLowerCase();
  if (cs === 'utf8mb4' || cs === 'utf8' || cs === 'utf8mb3' || cs === 'binary') {
    const s = decodeUtf8(buf);
    return s === undefined ? invalid('invalid-encoding', hex(buf)) : s;
  }
  if (cs === 'ascii') {
    return buf.every((b) => b < 0x80) ? Buffer.from(buf).toString('latin1') : invalid('invalid-encoding', hex(buf));
  }
  if (cs === 'latin1') {
    if ((options.flagLatin1Mojibake ?? true) && looksLikeUtf8(buf)) return invalid('invalid-encoding', hex(buf));
    return decodeCp1252(buf);
  }
  const label = LABELS[cs];
  if (!label) return invalid('invalid-encoding', hex(buf));
  let d = decoders.get(label);
  if (!d) { d = new TextDecoder(label, { fatal: true }); decoders.set(label, d); }
  try { return d.decode(buf); } catch { return invalid('invalid-encoding', hex(buf)); }
}

/** Non-ASCII bytes that form well-formed multi-byte UTF-8. */
function looksLikeUtf8(buf: Uint8Array): boolean {
  let high = false;
  for (const b of buf) if (b >= 0x80) { high = true; break; }
  return high && wellFormedUtf8(buf.length, (i) => buf[i]!);
}

/**
 * `decodeMysqlText` for bytes held as a latin1 string with at least one byte above 0x7F (what the adapter's reads
 * give its decoders): the same result, without a Buffer for the common latin1 and UTF-8 cases.
 */
export function decodeMysqlLatin1Bytes(s: string, charset: string | undefined, options: DecodeTextOptions = {}): string | InvalidValue {
  const cs = (charset ?? 'utf8mb4').toLowerCase();
  if (cs === 'latin1') {
    if ((options.flagLatin1Mojibake ?? true) && wellFormedUtf8Latin1(s)) return invalid('invalid-encoding', Buffer.from(s, 'latin1').toString('hex'));
    return cp1252FromLatin1(s);
  }
  if (cs === 'utf8mb4' || cs === 'utf8' || cs === 'utf8mb3' || cs === 'binary') {
    return utf8FromLatin1(s) ?? invalid('invalid-encoding', Buffer.from(s, 'latin1').toString('hex'));
  }
  return decodeMysqlText(Buffer.from(s, 'latin1'), charset, options);
}
