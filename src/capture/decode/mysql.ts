import type { ColumnInfo } from '../../backends/types.js';
import type { Value } from '../../values/index.js';
import { fromPlain, instant, invalid } from '../../values/index.js';

/** A tagged value written by the MariaDB trigger (see trigger/mysql.ts) → canonical, by column. */
export function decodeMysqlTriggerValue(tagged: string, column: ColumnInfo): Value {
  const tag = tagged[0];
  if (tag === '@') {
    const [s = '0', f = ''] = tagged.slice(1).split('.');
    return instant(BigInt(s) * 1_000_000n + BigInt(f.padEnd(6, '0').slice(0, 6) || '0'));
  }
  if (tag === '=') return invalid('zero-date', tagged.slice(1));
  const body = tagged.slice(2);
  try {
    if (tag === 'b') return fromPlain(Buffer.from(body, 'hex'), 'bytes');
    if (tag === 'h') return fromPlain(Buffer.from(body, 'hex').toString('utf8'), column.type === 'json' ? 'text' : column.type);
    return fromPlain(body, column.type);
  } catch {
    return invalid('invalid-number', body);
  }
}
