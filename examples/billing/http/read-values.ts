/** Canonical values (what `Database.query` returns) to the contract's JSON values. */
import type { Value } from '../../../src/values/value.js';
import { cp1252Decode } from '../generate/mojibake.js';

/** A number from int/dec/float, or from an amount typed as text ('1 234,50' included); null otherwise. */
export function num(v: Value | undefined): number | null {
  if (v === null || v === undefined || typeof v === 'boolean') return null;
  if (typeof v === 'string') {
    const t = v.replace(/[\s\u00a0]/g, '').replace(',', '.');
    return t !== '' && Number.isFinite(Number(t)) ? Number(t) : null;
  }
  switch (v.t) {
    case 'int': case 'dec': return Number(v.v);
    case 'float': return v.v;
    default: return null;
  }
}

/** An amount rounded to the cent (float noise from DECIMAL → number is removed). */
export function amount(v: Value | undefined): number | null {
  const n = num(v);
  return n === null ? null : Math.round(n * 100) / 100;
}

export function int(v: Value | undefined): number | null {
  const n = num(v);
  return n === null || !Number.isInteger(n) ? null : n;
}

/**
 * Text, blanks trimmed; empty text and non-text values are null. A latin1 value holding UTF-8 bytes (which the
 * MariaDB adapter reports as invalid-encoding rather than guess) is shown as the old latin1 screens showed it: as
 * mojibake, the same text the SQLite copy of the legacy holds.
 */
export function text(v: Value | undefined): string | null {
  if (v !== null && typeof v === 'object' && v.t === 'invalid' && v.reason === 'invalid-encoding') v = cp1252Decode(Buffer.from(v.raw, 'hex'));
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/** YYYY-MM-DD; zero or invalid dates are null. */
export function day(v: Value | undefined): string | null {
  if (v === null || v === undefined || typeof v !== 'object') return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !v.startsWith('0000') ? v.slice(0, 10) : null;
  switch (v.t) {
    case 'date': return v.v;
    case 'lts': case 'ts': return v.v.slice(0, 10);
    default: return null;
  }
}

/** YYYY-MM-DDTHH:MM:SS (local, second precision); zero or invalid date-times are null. */
export function localDateTime(v: Value | undefined): string | null {
  if (v === null || v === undefined || typeof v !== 'object') {
    return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(v) && !v.startsWith('0000') ? v.slice(0, 19).replace(' ', 'T') : null;
  }
  switch (v.t) {
    case 'lts': case 'ts': return v.v.slice(0, 19);
    case 'date': return `${v.v}T00:00:00`;
    default: return null;
  }
}
