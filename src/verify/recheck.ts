import type { Row, Value } from '../values/index.js';
import { compareKeys, keyToText, rowEquals } from '../values/index.js';
import { compareColumns, displayKey, displayValue } from './compare.js';
import type { TablePlan } from './table-plan.js';
import type { Difference } from './types.js';

/**
 * A legacy key whose rows differed when first seen. `seen` is the legacy row read then (null: not read by the pass,
 * e.g. the legacy key guessed for an extra next row); `involved` are the next keys that were in question.
 */
export interface Suspect {
  readonly legacyKey: readonly Value[];
  seen: Row | null;
  readonly involved: Map<string, (readonly Value[])[]>;
  /** The legacy key was guessed from an extra next row's key (same values, same order). */
  readonly guessed: boolean;
}

export type CheckOutcome =
  | { readonly kind: 'settled'; readonly enumerated: boolean }
  | { readonly kind: 'unmappable' }
  | { readonly kind: 'differs'; readonly differences: Difference[]; readonly moved: boolean; readonly now: Row | null };

/**
 * Compares the suspects again by key: legacy rows re-read with the verifier's own lookup, mapped, next rows read by
 * the keys expected now and the keys in question before. A suspect settles when next now holds exactly what the
 * legacy row (as it is now) gives; `moved` tells that the legacy row itself changed since it was seen (a change in
 * flight: worth another round after apply passes it).
 */
export async function checkSuspects(plan: TablePlan, suspects: readonly Suspect[]): Promise<CheckOutcome[]> {
  const legacyNow = new Map<string, Row>();
  const keyCols = plan.table.key;
  const read = async (keys: (readonly Value[])[], tolerant: boolean) => {
    if (keys.length === 0) return;
    let rows: Row[];
    try { rows = await plan.legacy.byKeys(keys); } catch (e) { if (tolerant) return; throw e; }
    for (const r of rows) legacyNow.set(keyToText(keyCols.map((k) => r[k] ?? null)), r);
  };
  await read(suspects.filter((s) => !s.guessed).map((s) => s.legacyKey), false);
  // a guessed key may not even have the legacy key's types: then no legacy row has it
  await read(suspects.filter((s) => s.guessed).map((s) => s.legacyKey), true);

  const expectations = suspects.map((s) => {
    const now = legacyNow.get(keyToText(s.legacyKey)) ?? null;
    return { now, exp: now ? plan.expecter.expect(now) : ({ ok: true, entityKey: null, rows: [] } as const) };
  });
  // next rows by key, every table at once
  const wanted = new Map<string, Map<string, readonly Value[]>>();
  const want = (t: string, k: readonly Value[]) => {
    let m = wanted.get(t); if (!m) wanted.set(t, (m = new Map()));
    m.set(keyToText(k), k);
  };
  suspects.forEach((s, i) => {
    for (const [t, keys] of s.involved) for (const k of keys) want(t, k);
    const e = expectations[i]!.exp;
    if (e.ok) for (const r of e.rows) want(r.nextTable, r.key);
  });
  const nextNow = new Map<string, Map<string, Row>>();
  for (const [t, keys] of wanted) {
    const target = plan.targets.get(t)!;
    const m = new Map<string, Row>();
    for (const r of await target.keyset.byKeys([...keys.values()])) m.set(keyToText(target.key.map((k) => r[k] ?? null)), r);
    nextNow.set(t, m);
  }

  return suspects.map((s, i) => {
    const { now, exp } = expectations[i]!;
    if (!exp.ok) return { kind: 'unmappable' };
    const differences: Difference[] = [];
    const legacyKey = now || !s.guessed ? displayKey(keyCols, s.legacyKey) : null;
    const covered = new Set<string>();
    for (const e of exp.rows) {
      covered.add(`${e.nextTable}\u0000${keyToText(e.key)}`);
      const target = plan.targets.get(e.nextTable)!;
      const actual = nextNow.get(e.nextTable)?.get(keyToText(e.key));
      if (!actual) {
        differences.push({ kind: 'missing', sourceTable: plan.table.name, nextTable: e.nextTable, key: displayKey(target.key, e.key), legacyKey, columns: e.columns.map((c) => ({ column: c, expected: displayValue(e.row[c]), actual: null })) });
        continue;
      }
      const cols = compareColumns(e.row, actual, e.columns);
      if (cols.length > 0) differences.push({ kind: 'mismatched', sourceTable: plan.table.name, nextTable: e.nextTable, key: displayKey(target.key, e.key), legacyKey, columns: cols });
    }
    for (const [t, keys] of s.involved) {
      const target = plan.targets.get(t)!;
      for (const k of keys) {
        if (covered.has(`${t}\u0000${keyToText(k)}`)) continue;
        const actual = nextNow.get(t)?.get(keyToText(k));
        if (actual) differences.push(extraDifference(plan, t, target.key, k, actual, legacyKey));
      }
    }
    if (differences.length === 0) return { kind: 'settled', enumerated: s.seen !== null };
    const moved = s.seen === null ? now !== null : now === null || !rowEquals(s.seen, now);
    return { kind: 'differs', differences, moved, now };
  });
}

export function extraDifference(
  plan: TablePlan, nextTable: string, key: readonly string[], keyValues: readonly Value[], actual: Row,
  legacyKey: Difference['legacyKey'],
): Difference {
  const columns = Object.keys(actual).map((c) => ({ column: c, expected: null, actual: displayValue(actual[c]) }));
  return { kind: 'extra', sourceTable: plan.table.name, nextTable, key: displayKey(key, keyValues), legacyKey, columns };
}

/** An extra next row's legacy key, when the next key has as many columns as the legacy key (same values, same order). */
export function guessLegacyKey(plan: TablePlan, nextKeyValues: readonly Value[]): readonly Value[] | null {
  return nextKeyValues.length === plan.table.key.length ? nextKeyValues : null;
}

export const sameKey = (a: readonly Value[], b: readonly Value[]) => compareKeys(a, b) === 0;
