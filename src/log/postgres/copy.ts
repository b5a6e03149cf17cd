/**
 * Bulk insert with COPY FROM STDIN (text format): several times faster than a multi-row INSERT for thousands of
 * rows, because PostgreSQL parses no SQL and no array literal per value.
 */

/** A text as a COPY text field. */
export function copyText(v: string | null): string {
  if (v === null) return '\\N';
  // Text format escapes: backslash first, then the characters that delimit fields and rows.
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

/** A JSON text as a COPY text field: JSON.stringify never leaves a raw tab, newline or CR, so only backslashes double. */
export function copyJson(text: string): string {
  return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
}

/** A batch encoded as COPY text, ready to send: whole lines, split into chunks of a few hundred rows. */
export interface CopyPayload {
  readonly rows: number;
  readonly chunks: readonly Buffer[];
}
