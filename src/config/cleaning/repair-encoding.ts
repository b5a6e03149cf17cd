import type { CleaningStep } from '../types.js';
import { columnStep } from './step.js';

// Windows-1252 bytes 0x80–0x9F; the five holes (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode as the C1 control of the same
// code, as browsers and MariaDB's latin1 (which is really cp1252) do.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
// UTF-16 code unit → cp1252 byte, -1 for none: a flat table (every accented value of every row looks here)
const TO_BYTE = new Int16Array(0x10000).fill(-1);
for (let i = 0; i < 256; i++) TO_BYTE[i >= 0x80 && i <= 0x9f ? CP1252_HIGH.charCodeAt(i - 0x80) : i] = i;
// Strings that were decoded as ISO-8859-1 rather than cp1252 carry raw C1 controls: accept those too.
for (let i = 0x80; i <= 0x9f; i++) if (TO_BYTE[i] === -1) TO_BYTE[i] = i;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The string's cp1252 bytes, or undefined when a character has no cp1252 byte (then it cannot be mojibake). */
function cp1252Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = TO_BYTE[s.charCodeAt(i)]!;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * Whether the bytes hold a UTF-8 lead byte followed by a continuation byte: every valid UTF-8 text with a byte ≥ 0x80
 * does, so without one the (throwing, hence slow) strict decode can only fail. Genuine latin text ("é" alone) is the
 * common case and is answered here.
 */
function hasUtf8Pair(bytes: Uint8Array): boolean {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i]! >= 0xc2 && bytes[i]! <= 0xf4 && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0xbf) return true;
  return false;
}

function cp1252Decode(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : String.fromCharCode(b);
  return s;
}

/**
 * Repairs one layer of mojibake: text whose UTF-8 bytes were read as cp1252/latin1 ("CrÃ©dit" → "Crédit").
 * Only when the repair round-trips: the string's cp1252 bytes must be valid UTF-8, and encoding the repaired text
 * back to UTF-8 and reading it as cp1252 must give the original. Plain ASCII and genuine latin text ("é" alone is
 * not valid UTF-8) are left alone. Undefined when there is nothing to repair.
 */
export function repairMojibake(s: string): string | undefined {
  if (!/[\u0080-\u00ff]/.test(s)) return undefined;
  const bytes = cp1252Bytes(s);
  if (!bytes || !hasUtf8Pair(bytes)) return undefined;
  let fixed: string;
  try { fixed = utf8.decode(bytes); } catch { return undefined; }
  if (fixed === s) return undefined;
  // with a latin1 (not cp1252) reading the original may hold C1 controls: compare on bytes instead of text
  const back = cp1252Bytes(cp1252Decode(Buffer.from(fixed, 'utf8')));
  if (!back || Buffer.compare(Buffer.from(back), Buffer.from(bytes)) !== 0) return undefined;
  return fixed;
}

export interface RepairEncodingOptions {
  /** Repair text that was double-encoded more than once (default 2 layers at most). */
  readonly maxLayers?: number;
  /**
   * What to do with bytes that are not valid UTF-8 (`invalid-encoding` values, e.g. latin1 bytes in a utf8 column):
   * `keep` (default) leaves them invalid, so the row is quarantined; `cp1252` decodes them as Windows-1252.
   */
  readonly invalidBytes?: 'keep' | 'cp1252';
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function isInvalidEncoding(v: unknown): v is { t: 'invalid'; reason: 'invalid-encoding'; raw: string } {
  return typeof v === 'object' && v !== null && (v as { t?: unknown }).t === 'invalid'
    && (v as { reason?: unknown }).reason === 'invalid-encoding' && typeof (v as { raw?: unknown }).raw === 'string';
}

/**
 * Repairs mojibake in text values (every text column, or the ones named). See repairMojibake. Also repairs
 * `invalid-encoding` values (raw bytes as hex, as the adapters report them): bytes that are well-formed UTF-8 (UTF-8
 * written through a latin1 connection into a latin1 column) become that text; other bytes stay invalid unless
 * `invalidBytes: 'cp1252'`.
 */
export function repairEncoding(...args: (string | RepairEncodingOptions)[]): CleaningStep {
  const columns = args.filter((a): a is string => typeof a === 'string');
  const opts = args.find((a): a is RepairEncodingOptions => typeof a === 'object') ?? {};
  const layers = opts.maxLayers ?? 2;
  const fixText = (v: string): string => {
    let s = v;
    for (let i = 0; i < layers; i++) {
      const r = repairMojibake(s);
      if (r === undefined) break;
      s = r;
    }
    return s;
  };
  return columnStep('repairEncoding', columns, (v) => {
    if (typeof v === 'string') return fixText(v);
    if (!isInvalidEncoding(v) || !/^(?:[0-9a-f]{2})*$/i.test(v.raw)) return v;
    const bytes = Buffer.from(v.raw, 'hex');
    try { return fixText(utf8Decoder.decode(bytes)); } catch { /* not UTF-8 */ }
    return opts.invalidBytes === 'cp1252' ? cp1252Decode(bytes) : v;
  });
}
