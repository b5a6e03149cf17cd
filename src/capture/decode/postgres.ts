import type { ColumnInfo } from '../../backends/types.js';
import { fromPostgresText } from '../../backends/postgres/values.js';
import type { Value } from '../../values/index.js';

/**
 * PostgreSQL text form of a value → canonical, by column: the adapter's own decoder, so trigger images and pgoutput
 * tuples (both text forms) give exactly what a SELECT gives.
 */
export function decodePostgresText(text: string, column: Pick<ColumnInfo, 'type' | 'nativeType'>): Value {
  return fromPostgresText(text, column);
}
