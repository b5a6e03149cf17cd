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
  let out = '';
  for (const b of buf) out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : b);
  return out;
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
  return high && decodeUtf8(buf) !== undefined;
}
