import type { CleanContext, CleaningStep, CleaningStepLike, PlainRow } from '../types.js';
import { CleaningError } from './errors.js';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Builds a step that rewrites some values of a row. `columns` empty means every column; `fn` returns the new value
 * (or the same one). The input row is never mutated: a new row is returned only when something changed.
 */
export function columnStep(
  kind: string,
  columns: readonly string[],
  fn: (value: unknown, column: string, ctx: CleanContext) => unknown,
): CleaningStep {
  const only = columns.length > 0 ? columns : undefined;
  return {
    kind,
    ...(only ? { columns: only } : {}),
    apply(row: PlainRow, ctx: CleanContext): PlainRow {
      let out: PlainRow | undefined;
      if (only) {
        for (const column of only) {
          if (!(column in row)) continue; // absence is reported by config validation against the database
          const before = row[column];
          const after = fn(before, column, ctx);
          if (after !== before) (out ??= { ...row })[column] = after;
        }
        return out ?? row;
      }
      // every column: the row's own keys, walked without building their array (this runs per row and per step)
      for (const column in row) {
        if (!hasOwn.call(row, column)) continue;
        const before = row[column];
        const after = fn(before, column, ctx);
        if (after !== before) (out ??= { ...row })[column] = after;
      }
      return out ?? row;
    },
  };
}

/** Normalises a user's step (object or bare function) into a CleaningStep. */
export function toStep(step: CleaningStepLike, index: number): CleaningStep {
  if (typeof step === 'function') return { kind: step.name ? `custom:${step.name}` : `custom#${index}`, apply: step };
  return step;
}

/**
 * Runs the steps in order. A step that throws something other than a CleaningError is wrapped into one
 * (reason `step-failed`), so that a failure always names the table and the step.
 */
export function applyCleaning(steps: readonly CleaningStep[], row: PlainRow, ctx: CleanContext): PlainRow {
  let current = row;
  for (const step of steps) {
    try {
      current = step.apply(current, ctx);
    } catch (e) {
      if (CleaningError.is(e)) throw e;
      throw new CleaningError(step.kind, ctx.table, step.columns?.join(',') ?? '*', undefined, 'step-failed', (e as Error)?.message ?? String(e));
    }
  }
  return current;
}

/** Splits `(...columns, options?)` arguments. */
export function splitArgs<O extends object>(args: readonly (string | O)[]): { columns: string[]; options: Partial<O> } {
  const columns: string[] = [];
  let options: Partial<O> = {};
  for (const a of args) {
    if (typeof a === 'string') columns.push(a);
    else options = a;
  }
  return { columns, options };
}
