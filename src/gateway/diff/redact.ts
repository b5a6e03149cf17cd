import { DiffConfigError } from './errors.js';
import { JsonOpaque, stringify, type JsonNode } from './json-value.js';

/**
 * PII redaction for everything the diff and the recorder store (samples, recorded exchanges):
 * - values of fields whose name matches a configured name (case, `_` and `-` ignored; `customerEmail` matches
 *   `email` because names match as suffixes) become `"***"`, whatever their type;
 * - patterns found inside any string are replaced by a marker: e-mail addresses `[email]`, phone numbers `[phone]`,
 *   IBANs (mod-97 checked) `[iban]`, card numbers (Luhn checked) `[card]`;
 * - headers `authorization`, `proxy-authorization`, `cookie`, `set-cookie` (always) and configured ones become `***`.
 * Redaction is deterministic, so two answers redacted the same way still compare equal where they were equal.
 */
export interface RedactionConfig {
  /** Field names whose values are always hidden (default: see `DEFAULT_PII_FIELDS`). */
  readonly fields?: readonly string[];
  /** More headers to hide besides the always-hidden ones. */
  readonly headers?: readonly string[];
  /** Turn off the value patterns (field names still apply). */
  readonly patterns?: boolean;
}

export const DEFAULT_PII_FIELDS = [
  'email', 'phone', 'mobile', 'fax', 'name', 'firstname', 'lastname', 'fullname', 'address', 'street', 'zip', 'zipcode',
  'postcode', 'postalcode', 'iban', 'bic', 'card', 'cardnumber', 'cvv', 'ssn', 'birthdate', 'dateofbirth',
  'dob', 'password', 'secret', 'token', 'apikey',
];
export const ALWAYS_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const DEFAULT_EXTRA_HEADERS = ['x-api-key', 'x-auth-token'];
export const REDACTED = '***';

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// International (+33 6 12 34 56 78), French national (06 12 34 56 78), North-American ((555) 123-4567) forms.
// Deliberately not "any long digit run": dates, amounts and ids must survive, field names catch the rest.
const PHONE = /\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}\d|\b0\d(?:[\s.-]?\d{2}){4}\b|\(\d{3}\)\s?\d{3}-\d{4}/g;
const IBAN = /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b/g;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;

export class Redactor {
  private readonly fields: string[];
  private readonly headers: Set<string>;
  private readonly patterns: boolean;

  constructor(config: RedactionConfig = {}) {
    const fields = config.fields ?? DEFAULT_PII_FIELDS;
    fields.forEach((f, i) => {
      if (typeof f !== 'string' || norm(f) === '') throw new DiffConfigError(`redact.fields[${i}]`, `"${String(f)}" is not a field name`);
    });
    this.fields = fields.map(norm);
    this.headers = new Set([...ALWAYS_REDACTED_HEADERS, ...DEFAULT_EXTRA_HEADERS, ...(config.headers ?? []).map((h) => h.toLowerCase())]);
    this.patterns = config.patterns ?? true;
  }

  isSensitiveField(name: string): boolean {
    const n = norm(name);
    return n !== '' && this.fields.some((f) => n === f || n.endsWith(f));
  }

  isSensitiveHeader(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }

  /** Replaces e-mails, phone numbers, IBANs and card numbers inside a string. */
  text(s: string): string {
    if (!this.patterns) return s;
    return s
      .replace(EMAIL, '[email]')
      .replace(IBAN, (m) => (ibanValid(m) ? '[iban]' : m))
      .replace(CARD, (m) => (luhnValid(m) ? '[card]' : m))
      // at least 8 digits: a signed amount such as "+1234.56" is not a phone number
      .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 8 ? '[phone]' : m));
  }

  headerMap(h: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) out[k] = this.isSensitiveHeader(k) ? REDACTED : this.text(v);
    return out;
  }

  /** A redacted copy of a JSON tree; `fieldName` is the member name the node sits under, if any. */
  json(n: JsonNode, fieldName?: string): JsonNode {
    if (fieldName !== undefined && this.isSensitiveField(fieldName)) return REDACTED;
    if (typeof n === 'string') return this.text(n);
    if (n instanceof JsonOpaque) return new JsonOpaque(this.text(n.source));
    if (Array.isArray(n)) return n.map((x) => this.json(x));
    if (n instanceof Map) {
      const out = new Map<string, JsonNode>();
      for (const [k, v] of n) out.set(k, this.json(v, k));
      return out;
    }
    return n;
  }

  /** Redacted JSON text of a node for a sample, cut at `max` characters. */
  preview(n: JsonNode | undefined, fieldName?: string, max = 300): string | undefined {
    if (n === undefined) return undefined;
    const s = stringify(this.json(n, fieldName));
    return s.length > max ? `${s.slice(0, max)}…` : s;
  }

  /** `GET /customers/42?email=...`: query values of sensitive names hidden, patterns applied to the rest. */
  url(url: string): string {
    const q = url.indexOf('?');
    if (q < 0) return this.text(url);
    const params = url.slice(q + 1).split('&').map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p;
      const name = decodeSafe(p.slice(0, eq));
      return this.isSensitiveField(name) ? `${p.slice(0, eq)}=${REDACTED}` : `${p.slice(0, eq)}=${this.text(p.slice(eq + 1))}`;
    });
    return `${this.text(url.slice(0, q))}?${params.join('&')}`;
  }
}

function decodeSafe(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

export function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

export function ibanValid(candidate: string): boolean {
  const s = candidate.replace(/\s/g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}
