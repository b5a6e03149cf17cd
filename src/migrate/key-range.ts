import type { Database } from '../backends/types.js';
import type { KeyRange } from '../backfill/types.js';
import { chunkKey } from '../backfill/table-copy.js';
import { fromPlain, type Value } from '../values/index.js';
import { MigrateConfigError } from './errors.js';

/**
 * `siphon reapply --keys` bounds (text, one per key column) → canonical key values of the columns' types, in the
 * order the chunks page the table. Strict: a bound that is not a value of its column's type is a usage error.
 */
export async function keyRangeValues(legacy: Database, table: string, after: readonly string[] | null, until: readonly string[] | null): Promise<KeyRange> {
  const info = await legacy.describeTable(table);
  const key = chunkKey(info);
  const convert = (texts: readonly string[] | null, which: string): Value[] | undefined => {
    if (texts === null) return undefined;
    if (texts.length !== key.length) throw new MigrateConfigError(`--keys: the ${which} bound of ${table} needs ${key.length} value(s) (${key.join(', ')})`);
    return texts.map((t, i) => {
      const col = info.columns.find((c) => c.name === key[i])!;
      try { return fromPlain(t, col.type); } catch (e) {
        throw new MigrateConfigError(`--keys: "${t}" is not a value of ${table}.${col.name} (${col.nativeType}): ${(e as Error).message}`);
      }
    });
  };
  const a = convert(after, 'lower'), u = convert(until, 'upper');
  return { ...(a ? { after: a } : {}), ...(u ? { until: u } : {}) };
}
