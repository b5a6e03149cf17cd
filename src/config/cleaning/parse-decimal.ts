import { normalizeDecimal } from '../../values/construct.js';
import type { CleaningStep } from '../types.js';
import { CleaningError } from './errors.js';
import { columnStep, splitArgs } from './step.js';

export interface ParseDecimalOptions {
  /**
   * The decimal separator. `auto` (default): when both ',' and '.' appear the last one is the decimal separator;
   * when only one kind appears once it is the decimal separator, several times it groups thousands.
   */
  readonly decimal?: ',' | '.' | 'auto';
}

// Grouping characters seen in the wild: space, no-break space, narrow no-break space, thin space, apostrophe.
const GROUP_SPACES = /[\s\u00a0\u202f\u2009'’]/g;
const CURRENCY = /^[€$£¥]|[€$£¥]$|^(EUR|USD|GBP|CHF)\s*|\s*(EUR|USD|GBP|CHF)$/gi;

const PLAIN = /^-?\d+(?:\.\d+)?$/;

/** Parses one amount written by a human into exact decimal text, or returns undefined. */
export function parseDecimalText(text: string, decimal: ',' | '.' | 'auto' = 'auto'): string | undefined {
  // already plain (`-?digits[.digits]`, the common stored form): the rules below give exactly its normal form
  if (decimal !== ',' && PLAIN.test(text)) return normalizeDecimal(text);
  let s = text.trim().replace(CURRENCY, '').trim();
  let negative = false;
  if (/^\(.*\)$/.test(s)) { negative = true; s = s.slice(1, -1).trim(); } // accounting: (12,50)
  if (/^[+-]/.test(s)) { negative = s[0] === '-'; s = s.slice(1).trim(); }
  else if (/-$/.test(s)) { negative = true; s = s.slice(0, -1).trim(); } // trailing minus: 12,50-
  s = s.replace(GROUP_SPACES, '');
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return undefined;
  const commas = s.split(',').length - 1, dots = s.split('.').length - 1;
  let sep: ',' | '.' | undefined;
  if (decimal !== 'auto') sep = decimal;
  else if (commas > 0 && dots > 0) sep = s.lastIndexOf(',') > s.lastIndexOf('.') ? ',' : '.';
  else if (commas === 1) sep = ',';
  else if (dots === 1) sep = '.';
  const group = sep === ',' ? '.' : ',';
  let intPart = s, frac = '';
  if (sep !== undefined) {
    const i = s.lastIndexOf(sep);
    if (i >= 0) { intPart = s.slice(0, i); frac = s.slice(i + 1); }
  }
  if (/[.,]/.test(frac)) return undefined;
  if (intPart.includes(sep ?? '\u0000')) return undefined;
  // thousands groups must be of three digits: "1.23.4" is not an amount
  if (intPart.includes(group) || (sep === undefined && /[.,]/.test(intPart))) {
    const groups = intPart.split(/[.,]/);
    if (groups.some((g, i) => (i === 0 ? g.length < 1 || g.length > 3 : g.length !== 3))) return undefined;
    intPart = groups.join('');
  }
  if (intPart === '' && frac === '') return undefined;
  const body = normalizeDecimal(`${intPart || '0'}${frac ? `.${frac}` : ''}`);
  return negative && body !== '0' ? `-${body}` : body;
}

/**
 * Amounts stored as text ("1 234,50", "1.234,50", "(12,50)", "12.50 €") become exact decimal text ("1234.5").
 * Numbers become their exact decimal text; NULL stays NULL; anything unparseable is an error naming the value.
 */
export function parseDecimal(...args: (string | ParseDecimalOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<ParseDecimalOptions>(args);
  return columnStep('parseDecimal', columns, (v, column, ctx) => {
    if (v === null || v === undefined) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return normalizeDecimal(String(v));
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') {
      const parsed = parseDecimalText(v, options.decimal ?? 'auto');
      if (parsed !== undefined) return parsed;
    }
    throw new CleaningError('parseDecimal', ctx.table, column, v, 'unparseable-decimal', 'not a decimal amount');
  });
}
