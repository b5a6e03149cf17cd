import { buildTable, type FidelityColumn, type FidelityTable } from './fixture.js';

/** PostgreSQL 15: every column type, at its extremes and odd values (see fixture.ts). */
const C: FidelityColumn[] = [
  { name: 'i2', sqlType: 'smallint' }, { name: 'i4', sqlType: 'integer' }, { name: 'i8', sqlType: 'bigint' },
  { name: 'num', sqlType: 'numeric', note: 'unconstrained: huge, high scale, NaN, ±Infinity' },
  { name: 'num2', sqlType: 'numeric(12,2)' },
  { name: 'r4', sqlType: 'real' }, { name: 'r8', sqlType: 'double precision', note: 'NaN, ±Infinity, -0, subnormal' },
  { name: 'money', sqlType: 'money' }, { name: 'bool', sqlType: 'boolean' },
  { name: 'ch', sqlType: 'char(10)', note: 'padding' }, { name: 'vc', sqlType: 'varchar(300)' }, { name: 'tx', sqlType: 'text' },
  { name: 'nm', sqlType: 'name' }, { name: 'ba', sqlType: 'bytea', note: 'empty vs NULL' },
  { name: 'd', sqlType: 'date', note: 'infinity, BC' }, { name: 't', sqlType: 'time(6)', note: '24:00:00' },
  { name: 'ttz', sqlType: 'time with time zone' },
  { name: 'ts', sqlType: 'timestamp(6)' }, { name: 'tstz', sqlType: 'timestamptz(6)' },
  { name: 'iv', sqlType: 'interval' },
  { name: 'js', sqlType: 'json', note: 'kept as written: duplicate keys, spacing' }, { name: 'jb', sqlType: 'jsonb', note: 'JSON null vs SQL NULL, big numbers' },
  { name: 'uid', sqlType: 'uuid' }, { name: 'inet', sqlType: 'inet' }, { name: 'cidr', sqlType: 'cidr' }, { name: 'mac', sqlType: 'macaddr' },
  { name: 'bits', sqlType: 'bit(8)' }, { name: 'vbits', sqlType: 'bit varying(64)' },
  { name: 'ia', sqlType: 'integer[]' }, { name: 'ta', sqlType: 'text[]', note: 'NULL element, quoting' },
  { name: 'na', sqlType: 'numeric[][]' },
  { name: 'i4r', sqlType: 'int4range' }, { name: 'tsr', sqlType: 'tstzrange' }, { name: 'nmr', sqlType: 'nummultirange' },
  { name: 'pt', sqlType: 'point' }, { name: 'ln', sqlType: 'line' }, { name: 'poly', sqlType: 'polygon' }, { name: 'circ', sqlType: 'circle' },
  { name: 'box', sqlType: 'box' }, { name: 'path', sqlType: 'path' }, { name: 'lseg', sqlType: 'lseg' },
  { name: 'tsv', sqlType: 'tsvector' }, { name: 'xml', sqlType: 'xml' }, { name: 'mood', sqlType: 'fidelity_mood', note: 'enum' },
  { name: 'dom', sqlType: 'fidelity_posint', note: 'domain over integer' }, { name: 'oid', sqlType: 'oid' },
];

export function postgresFidelityTable(): FidelityTable {
  return buildTable('postgres', 'fidelity', C, [
    { id: 1, label: 'minimums', values: {
      i2: '-32768', i4: '-2147483648', i8: '-9223372036854775808', num: "-99999999999999999999999999999999999999.00000000000000000000000000000000000001",
      num2: '-9999999999.99', r4: "'-3.4028235e38'", r8: "'-1.7976931348623157e308'", money: "'-92233720368547758.08'", bool: 'false',
      ch: "''", vc: "''", tx: "''", nm: "''", ba: "''::bytea", d: "'4713-01-01 BC'", t: "'00:00:00'", ttz: "'00:00:00+15:59'",
      ts: "'4713-01-01 00:00:00 BC'", tstz: "'4713-01-01 00:00:00+00 BC'", iv: "'-178000000 years'",
      js: "'null'", jb: "'null'", uid: "'00000000-0000-0000-0000-000000000000'", inet: "'0.0.0.0'", cidr: "'0.0.0.0/0'",
      mac: "'00:00:00:00:00:00'", bits: "B'00000000'", vbits: "B''", ia: "'{}'", ta: "'{}'", na: "'{}'",
      i4r: "'empty'", tsr: "'(,)'", nmr: "'{}'", pt: "'(0,0)'", ln: "'{1,-1,0}'", poly: "'((0,0),(1,0),(0,1))'", circ: "'<(0,0),0>'",
      box: "'(0,0),(0,0)'", path: "'[(0,0),(1,1)]'", lseg: "'[(0,0),(0,0)]'", tsv: "''", xml: "''", mood: "'sad'", dom: '1', oid: '0',
    } },
    { id: 2, label: 'maximums', values: {
      i2: '32767', i4: '2147483647', i8: '9223372036854775807', num: `'${'9'.repeat(131072)}.${'9'.repeat(16383)}'`,
      num2: '9999999999.99', r4: "'3.4028235e38'", r8: "'1.7976931348623157e308'", money: "'92233720368547758.07'", bool: 'true',
      ch: "'abcdefghij'", vc: `'${'é'.repeat(299)}😀'`, tx: "repeat('😀', 100000)", nm: `'${'n'.repeat(63)}'`, ba: "'\\xff00ff'::bytea",
      d: "'5874897-12-31'", t: "'24:00:00'", ttz: "'24:00:00-15:59'", ts: "'294276-12-31 23:59:59.999999'", tstz: "'294276-12-31 23:59:59.999999+00'",
      iv: "'178000000 years 11 months 30 days 23:59:59.999999'",
      js: `'{"a": 1, "a": 2,   "big": 123456789012345678901234567890}'`, jb: `'{"big": 123456789012345678901234567890.000000000000000000001, "deep": [[[{"z": null}]]], "s": "😀"}'`,
      uid: "'ffffffff-ffff-ffff-ffff-ffffffffffff'", inet: "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'", cidr: "'::/0'",
      mac: "'ff:ff:ff:ff:ff:ff'", bits: "B'11111111'", vbits: `B'${'1'.repeat(64)}'`,
      ia: "'{2147483647,-2147483648}'", ta: `'{"a,b","c\\"d","",NULL,"NULL","😀"}'`, na: "'{{1.5,NaN},{-0.000000000000000000001,1e30}}'",
      i4r: "'[-2147483648,2147483647)'", tsr: "'[-infinity,infinity]'", nmr: "'{[1,2),(3.5,4.5]}'",
      pt: "'(1e308,-1e308)'", ln: "'{1,2,3}'", poly: "'((0,0),(1e10,0),(0,1e10))'", circ: "'<(1,1),1e300>'",
      box: "'(1e300,1e300),(-1e300,-1e300)'", path: "'((0,0),(1,1),(2,0))'", lseg: "'[(1,2),(3,4)]'",
      tsv: "'a fat:1A cat:2B,3C ''s'''", xml: "'<a b=\"1\">😀</a>'", mood: "'happy'", dom: '2147483647', oid: '4294967295',
    } },
    { id: 3, label: 'odd values', values: {
      i2: '0', i4: '-1', i8: '-1', num: "'NaN'", num2: '0.01', r4: "'NaN'", r8: "'-0'", money: '0', bool: 'true',
      ch: "' pad'", vc: "'trailing   '", tx: "E'tab\\tnl\\ncr\\r\\u2028'", nm: "' '", ba: "'\\x00'::bytea",
      d: "'infinity'", t: "'23:59:59.999999'", ttz: "'12:00:00.5+05:30'", ts: "'infinity'", tstz: "'-infinity'",
      iv: "'1 mon -1 days +00:00:00.000001'", js: `'[1, 1.0, 1e2, -0, "\\u0000x"]'`, jb: `'[1, 1.0, 1e2, -0, 0.1]'`,
      uid: "'123e4567-e89b-12d3-a456-426614174000'", inet: "'::ffff:1.2.3.4'", cidr: "'10.0.0.0/8'", mac: "'08:00:2b:01:02:03'",
      bits: "B'00000101'", vbits: "B'101'", ia: "'[0:1]={1,2}'", ta: `'{" lead","trail ","\\\\"}'`, na: "'{NULL}'",
      i4r: "'(1,5]'", tsr: "'[2024-01-01 00:00:00+00,)'", nmr: "'{[NaN,NaN]}'::nummultirange",
      pt: "'(-0,0.1)'", ln: "'{0,1,-0.5}'", poly: "'((0,0))'", circ: "'<(0,0),1>'", box: "'(1,1),(0,0)'", path: "'[(0,0)]'", lseg: "'[(0,0),(1,1)]'",
      tsv: "''", xml: "'text &amp; <b/>'", mood: "'ok'", dom: '1', oid: '1',
    } },
    { id: 4, label: 'more odd values', values: {
      num: "'Infinity'", r4: "'-Infinity'", r8: "'Infinity'", num2: '-0.00', d: "'-infinity'", ts: "'-infinity'", tstz: "'infinity'",
      t: "'00:00:00.000001'",
      iv: "'0'", js: "'\"null\"'", jb: "'\"null\"'", tx: "'😀𝄞🏳️‍🌈'", ba: "'\\x'::bytea", ia: "'{NULL,1}'", mood: "'happy'",
    } },
    { id: 5, label: 'all NULL', values: {} },
    { id: 6, label: 'numeric -Infinity, subnormal', values: { num: "'-Infinity'", r8: "'4.9e-324'", r4: "'1.4e-45'", i2: '-0' } },
  ], {
    quote: (n) => `"${n.replace(/"/g, '""')}"`,
    before: [
      `CREATE TYPE fidelity_mood AS ENUM ('sad', 'ok', 'happy')`,
      `CREATE DOMAIN fidelity_posint AS integer CHECK (VALUE > 0)`,
    ],
  });
}
