import { assertNever } from '../errors.js';
import { RouteConfigError } from './errors.js';
import type { RouteMode } from './model.js';

/** Parses `legacy`, `shadow`, `next`, `owner`, `canary:25`, `canary(2.5)` or `canary=25`. */
export function parseMode(text: string, where = 'mode'): RouteMode {
  const t = text.trim().toLowerCase();
  switch (t) {
    case 'legacy': case 'shadow': case 'next': case 'owner':
      return { kind: t };
  }
  if (t === 'canary') throw new RouteConfigError('canary needs a percentage: canary:PERCENT (0..100), e.g. canary:10', where);
  // Anything after `canary:` is the percentage: say what is wrong with it (negative, not a number) rather than
  // calling the whole mode unknown.
  const m = /^canary\s*(?:[:=]\s*|\(\s*)(.*?)\s*%?\s*\)?$/.exec(t);
  if (m) {
    const p = m[1]!;
    if (!/^[-+]?[0-9]+(?:\.[0-9]+)?$/.test(p)) throw new RouteConfigError(`canary percent must be a number between 0 and 100, found "${p}"`, where);
    return { kind: 'canary', percent: checkPercent(Number(p), where) };
  }
  throw new RouteConfigError(
    `unknown mode "${text}" (expected legacy, shadow, next, owner or canary:PERCENT)`, where);
}

export function checkPercent(p: number, where: string): number {
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new RouteConfigError(`canary percent must be between 0 and 100, got ${p}`, where);
  }
  // 10,000 buckets: two decimals is the finest share that means anything.
  return Math.round(p * 100) / 100;
}

export function formatMode(mode: RouteMode): string {
  switch (mode.kind) {
    case 'legacy': case 'shadow': case 'next': case 'owner': return mode.kind;
    case 'canary': return `canary:${mode.percent}`;
    default: return assertNever(mode, 'route mode');
  }
}
