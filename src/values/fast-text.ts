/**
 * Cheap recognisers of the text forms engines print values in, for the adapters' per-value decoding fast paths.
 * Each accepts only a form the general constructors would take unchanged; anything else goes the general way.
 */

const twoDigits = (s: string, at: number): number => {
  const a = s.charCodeAt(at) - 48, b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * `YYYY-MM-DD...` with a month 01-12 and a day the month has: no zero date, no impossible date, so `date()` would
 * accept it unchanged. Anything else takes the full decoder.
 */
export function plainDate(s: string): boolean {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  if (twoDigits(s, 0) < 0 || twoDigits(s, 2) < 0) return false;
  const m = twoDigits(s, 5), d = twoDigits(s, 8);
  if (m < 1 || m > 12 || d < 1) return false;
  if (d <= 28) return true;
  const y = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
}

/** `HH:MM:SS` at `at` with an hour 00-23, minutes and seconds 00-59. */
function plainClock(s: string, at: number): boolean {
  if (s.charCodeAt(at + 2) !== 58 || s.charCodeAt(at + 5) !== 58) return false;
  const h = twoDigits(s, at), mi = twoDigits(s, at + 3), se = twoDigits(s, at + 6);
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59;
}

/** `YYYY-MM-DD HH:MM:SS` (the server's DATETIME/TIMESTAMP text without fraction) → canonical local text, or null. */
export function plainDateTime(s: string): string | null {
  if (s.length !== 19 || s.charCodeAt(10) !== 32 || !plainDate(s) || !plainClock(s, 11)) return null;
  return `${s.slice(0, 10)}T${s.slice(11)}.000000`;
}

/**
 * A local date-time already canonical (`YYYY-MM-DDTHH:MM:SS.ffffff`, returned as is) or plain without fraction
 * (`YYYY-MM-DD[T ]HH:MM:SS`, given six zero digits); null for any other form.
 */
export function plainLocalText(s: string): string | null {
  if (s.length === 26) {
    if (s.charCodeAt(10) !== 84 || s.charCodeAt(19) !== 46 || !plainDate(s) || !plainClock(s, 11)) return null;
    for (let i = 20; i < 26; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return null; }
    return s;
  }
  if (s.length !== 19) return null;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || !plainDate(s) || !plainClock(s, 11)) return null;
  return `${s.slice(0, 10)}T${s.slice(11)}.000000`;
}

