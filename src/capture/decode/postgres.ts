import type { ColumnInfo } from '../../backends/types.js';
import type { Value } from '../../values/index.js';
import { fromPlain, invalid } from '../../values/index.js';

/** PostgreSQL text form of a value (as the server sends it in text mode) → canonical, by column. */
export function decodePostgresText(text: string, column: Pick<ColumnInfo, 'type' | 'name' | 'nativeType'>): Value {
  try {
    if (column.type === 'bool') return text === 't' || text === 'true';
    if (column.type === 'bytes') return fromPlain(Buffer.from(text.replace(/^\\x/, ''), 'hex'), 'bytes');
    if (column.type === 'json') return fromPlain(JSON.parse(text), 'json');
    return fromPlain(text, column.type);
  } catch {
    return invalid('invalid-number', text);
  }
}
