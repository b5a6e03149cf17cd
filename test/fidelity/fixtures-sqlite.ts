import { buildTable, type FidelityColumn, type FidelityTable } from './fixture.js';

/**
 * SQLite: every declared type affinity and the usual type names legacy schemas use. SQLite keeps what it is given
 * (a text in an INTEGER column, a too-long text in a VARCHAR(5)), so the odd values are the stored classes.
 */
const C: FidelityColumn[] = [
  { name: 'i', sqlType: 'INTEGER' }, { name: 'bi', sqlType: 'BIGINT' }, { name: 'r', sqlType: 'REAL', note: '±Infinity, -0, subnormal' },
  { name: 'dbl', sqlType: 'DOUBLE' }, { name: 'n', sqlType: 'NUMERIC' }, { name: 'd', sqlType: 'DECIMAL(10,2)' },
  { name: 'b', sqlType: 'BOOLEAN' }, { name: 't', sqlType: 'TEXT', note: 'invalid UTF-8, emoji, NUL' },
  { name: 'vc', sqlType: 'VARCHAR(5)', note: 'not enforced' }, { name: 'ch', sqlType: 'CHAR(4)' },
  { name: 'bl', sqlType: 'BLOB', note: 'empty vs NULL' }, { name: 'dt', sqlType: 'DATE' }, { name: 'dtm', sqlType: 'DATETIME' },
  { name: 'ts', sqlType: 'TIMESTAMP' }, { name: 'tm', sqlType: 'TIME' }, { name: 'js', sqlType: 'JSON' },
  { name: 'any', sqlType: '', note: 'no declared type (BLOB affinity): keeps any class' },
  { name: 'anyx', sqlType: 'ANY' },
];

export function sqliteFidelityTable(): FidelityTable {
  return buildTable('sqlite', 'fidelity', C, [
    { id: 1, label: 'minimums', values: {
      i: '-9223372036854775808', bi: '-9223372036854775808', r: '-1.7976931348623157e308', dbl: '-9e999', n: "'-99999999999999999999.5'",
      d: "'-99999999.99'", b: '0', t: "''", vc: "''", ch: "''", bl: "x''", dt: "'0000-01-01'", dtm: "'0000-01-01 00:00:00'",
      ts: '0', tm: "'00:00:00'", js: "'null'", any: "x''", anyx: "''",
    } },
    { id: 2, label: 'maximums', values: {
      i: '9223372036854775807', bi: '9223372036854775807', r: '1.7976931348623157e308', dbl: '9e999', n: "'99999999999999999999999999999.000000001'",
      d: "'99999999.99'", b: '1', t: "'😀𝄞 astral 🏳️‍🌈'", vc: "'longer than five'", ch: "'abcd'", bl: "x'00ff00'",
      dt: "'9999-12-31'", dtm: "'9999-12-31 23:59:59.999999'", ts: "'2038-01-19 03:14:07'", tm: "'23:59:59.999'",
      js: `'{"big":123456789012345678901234567890,"deep":[[[{"z":null}]]],"s":"😀"}'`, any: '9223372036854775807', anyx: '1.5',
    } },
    { id: 3, label: 'odd values', values: {
      i: "'abc'", bi: '1.5', r: '-0.0', dbl: '4.9e-324', n: "'1e400'", d: "'0.005'", b: '2', t: "CAST(x'ff61c3' AS TEXT)",
      vc: "'trailing   '", ch: "'  '", bl: "x'00'", dt: "'2024-02-30'", dtm: "'2024-13-01 25:00:00'", ts: "'not a time'",
      tm: "'24:00:00'", js: "'[1, 1.0, 1e2, -0]'", any: "'text'", anyx: "x'ff'",
    } },
    { id: 4, label: 'more odd values', values: {
      i: '99999999999999999999', r: "'12'", n: "'NaN'", d: '1e-7', b: "'true'", t: "'nul'||char(0)||'after'",
      dt: '2460000', dtm: "'2024-01-02T03:04:05Z'", js: "'\"null\"'", any: '-0.0', anyx: '-9223372036854775808', bl: "'text in blob'",
    } },
    { id: 5, label: 'all NULL', values: {} },
  ], { quote: (n) => `"${n.replace(/"/g, '""')}"` });
}
