/**
 * An aggregation key for a request no specific route describes: `GET /customers/42/invoices?x=1` →
 * `GET /customers/:id/invoices`. Segments that look like identifiers (digits, UUIDs, long hex, e-mail-like or mixed
 * letters and digits of 6+ characters) become `:id`, so one endpoint's requests aggregate together.
 */
export function templateEndpoint(method: string, url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const segs = path.split('/').map((s) => (isIdLike(s) ? ':id' : s));
  return `${method} ${segs.join('/') || '/'}`;
}

function isIdLike(s: string): boolean {
  if (s === '') return false;
  if (/^\d+$/.test(s)) return true;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return true;
  if (/^[0-9a-f]{16,}$/i.test(s)) return true;
  if (s.includes('@') || s.includes('%40')) return true;
  return s.length >= 6 && /\d/.test(s) && /[A-Za-z]/.test(s) && /^[\w.~-]+$/.test(s) && /\d{2,}/.test(s);
}
