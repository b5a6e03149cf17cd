import { buildTable, type FidelityColumn, type FidelityTable } from './fixture.js';

/** MariaDB 10.11: every column type, at its extremes and odd values (see fixture.ts). */
const C: FidelityColumn[] = [
  { name: 'ti', sqlType: 'TINYINT' }, { name: 'tiu', sqlType: 'TINYINT UNSIGNED' },
  { name: 'si', sqlType: 'SMALLINT' }, { name: 'siu', sqlType: 'SMALLINT UNSIGNED' },
  { name: 'mi', sqlType: 'MEDIUMINT' }, { name: 'miu', sqlType: 'MEDIUMINT UNSIGNED' },
  { name: 'i', sqlType: 'INT' }, { name: 'iu', sqlType: 'INT UNSIGNED' },
  { name: 'bi', sqlType: 'BIGINT' }, { name: 'biu', sqlType: 'BIGINT UNSIGNED', note: 'unsigned maximum above int64' },
  { name: 'bool1', sqlType: 'TINYINT(1)', note: 'boolean by convention; 2 and -1 are not booleans' },
  { name: 'd65', sqlType: 'DECIMAL(65,30)', note: 'highest precision and scale' },
  { name: 'd2', sqlType: 'DECIMAL(10,2) UNSIGNED' },
  { name: 'f', sqlType: 'FLOAT' }, { name: 'dbl', sqlType: 'DOUBLE', note: '-0, extremes, subnormal' },
  { name: 'bit1', sqlType: 'BIT(1)' }, { name: 'bit5', sqlType: 'BIT(5)' }, { name: 'bit64', sqlType: 'BIT(64)' },
  { name: 'ch', sqlType: 'CHAR(10)', note: 'padding' }, { name: 'vc', sqlType: 'VARCHAR(200)', note: 'trailing spaces, emoji, astral' },
  { name: 'tt', sqlType: 'TINYTEXT' }, { name: 'tx', sqlType: 'TEXT' }, { name: 'mt', sqlType: 'MEDIUMTEXT' }, { name: 'lt', sqlType: 'LONGTEXT' },
  { name: 'lat', sqlType: 'VARCHAR(50) CHARACTER SET latin1', note: 'cp1252, and UTF-8 bytes stored as latin1 (mojibake)' },
  { name: 'latx', sqlType: 'TEXT CHARACTER SET latin1', note: 'the same through the BLOB path of the binary log' },
  { name: 'asc', sqlType: 'VARCHAR(20) CHARACTER SET ascii' },
  { name: 'u16', sqlType: 'VARCHAR(20) CHARACTER SET utf16' },
  { name: 'bin', sqlType: 'BINARY(4)', note: 'zero-padded' }, { name: 'vb', sqlType: 'VARBINARY(20)', note: 'empty vs NULL' },
  { name: 'bl', sqlType: 'BLOB' }, { name: 'lbl', sqlType: 'LONGBLOB' },
  { name: 'en', sqlType: "ENUM('a','b','é','')", note: "'' is the error value 0" }, { name: 'st', sqlType: "SET('x','y','z')" },
  { name: 'dt', sqlType: 'DATE', note: 'zero and invalid dates' }, { name: 'tm', sqlType: 'TIME(6)', note: 'beyond 24 h and negative' },
  { name: 'dtm', sqlType: 'DATETIME(6)' }, { name: 'ts', sqlType: 'TIMESTAMP(6) NULL' },
  { name: 'yr', sqlType: 'YEAR', note: '0000 is a legal YEAR' },
  { name: 'js', sqlType: 'JSON', note: 'JSON null, nested big numbers' },
  { name: 'geo', sqlType: 'GEOMETRY' }, { name: 'pt', sqlType: 'POINT' },
  { name: 'uid', sqlType: 'UUID' }, { name: 'ip4', sqlType: 'INET4' }, { name: 'ip6', sqlType: 'INET6' },
];

export function mysqlFidelityTable(): FidelityTable {
  return buildTable('mysql', 'fidelity', C, [
    { id: 1, label: 'minimums', values: {
      ti: '-128', tiu: '0', si: '-32768', siu: '0', mi: '-8388608', miu: '0', i: '-2147483648', iu: '0',
      bi: '-9223372036854775808', biu: '0', bool1: '0', d65: '-99999999999999999999999999999999999.999999999999999999999999999999',
      d2: '0', f: '-3.40282e38', dbl: '-1.7976931348623157e308', bit1: "b'0'", bit5: "b'00000'", bit64: "b'0'",
      ch: "''", vc: "''", tt: "''", tx: "''", mt: "''", lt: "''", lat: "''", latx: "''", asc: "''", u16: "''",
      bin: "x''", vb: "x''", bl: "x''", lbl: "x''", en: "'a'", st: "''",
      dt: "'1000-01-01'", tm: "'-838:59:59.000000'", dtm: "'1000-01-01 00:00:00.000000'", ts: "'1970-01-01 00:00:01.000000'",
      yr: '1901', js: "'null'", geo: "ST_GeomFromText('POINT(0 0)')", pt: "ST_GeomFromText('POINT(-180 -90)')",
      uid: "'00000000-0000-0000-0000-000000000000'", ip4: "'0.0.0.0'", ip6: "'::'",
    } },
    { id: 2, label: 'maximums', values: {
      ti: '127', tiu: '255', si: '32767', siu: '65535', mi: '8388607', miu: '16777215', i: '2147483647', iu: '4294967295',
      bi: '9223372036854775807', biu: '18446744073709551615', bool1: '1', d65: '99999999999999999999999999999999999.999999999999999999999999999999',
      d2: '99999999.99', f: '3.40282e38', dbl: '1.7976931348623157e308', bit1: "b'1'", bit5: "b'11111'", bit64: "x'ffffffffffffffff'",
      ch: "'abcdefghij'", vc: `'${'x'.repeat(199)}😀'`, tt: `'${'t'.repeat(255)}'`, tx: "REPEAT('é', 20000)", mt: "REPEAT('m', 70000)", lt: "REPEAT('😀', 5000)",
      lat: "'€‚ƒ„…†‡ˆ‰Š‹ŒŽ'", latx: "'ÿþ€'", asc: "'~ !'", u16: "'😀𝄞'",
      bin: "x'ffffffff'", vb: "x'00ff00ff'", bl: "x'00'", lbl: "REPEAT(x'ff', 70000)", en: "'é'", st: "'x,y,z'",
      dt: "'9999-12-31'", tm: "'838:59:59.000000'", dtm: "'9999-12-31 23:59:59.999999'", ts: "'2038-01-19 03:14:07.999999'",
      yr: '2155', js: `'{"big":123456789012345678901234567890,"neg":-9223372036854775809,"f":1.5e300,"deep":[[[{"z":null,"a":[]}]]],"s":"😀"}'`,
      geo: "ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))')", pt: "ST_GeomFromText('POINT(180 90)')",
      uid: "'ffffffff-ffff-ffff-ffff-ffffffffffff'", ip4: "'255.255.255.255'", ip6: "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
    } },
    { id: 3, label: 'odd values', values: {
      ti: '0', tiu: '1', si: '-1', siu: '1', mi: '-1', miu: '1', i: '-1', iu: '1', bi: '-1', biu: '9223372036854775808',
      bool1: '2', d65: '0.000000000000000000000000000001', d2: '0.01', f: '1.17549e-38', dbl: '-0e0',
      bit1: "b'1'", bit5: "b'00101'", bit64: "x'8000000000000000'",
      ch: "'  pad  '", vc: "'trailing   '", tt: "' lead'", tx: "'tab\\tnl\\ncr\\r'", mt: "'\\0nul'", lt: "'𝄞 astral 🏳️‍🌈'",
      lat: "x'636166c3a9'", latx: "x'e282ac20c3a9'", asc: "' '", u16: "'é'",
      bin: "x'01'", vb: "x'00'", bl: "x''", lbl: "x'00'", en: "''", st: "'z,x'",
      dt: "'0000-00-00'", tm: "'-00:00:00.000001'", dtm: "'0000-00-00 00:00:00.000000'", ts: "'0000-00-00 00:00:00.000000'",
      yr: '0', js: `'[1, 1.0, 1e2, -0, 0.1, "\\\\u0000", true, false, null]'`,
      geo: "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))')", pt: "ST_GeomFromText('POINT(-0.5 1e-10)')",
      uid: "'123e4567-e89b-12d3-a456-426614174000'", ip4: "'127.0.0.1'", ip6: "'::ffff:1.2.3.4'",
    } },
    { id: 4, label: 'invalid dates, partial zero dates, subnormal', values: {
      dt: "'2024-02-30'", dtm: "'2024-00-10 10:00:00'", tm: "'24:00:00'", dbl: '4.9e-324', f: '-0',
      lat: "x'c3'", latx: "x'80818d8f909d'", vc: "'\u00a0nbsp\u2028sep'", js: `'"null"'`, en: "'b'", st: "'y'", yr: '1999',
    } },
    { id: 5, label: 'all NULL', values: {} },
  ], {
    quote: (n) => `\`${n}\``,
    createSuffix: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    // zero and invalid dates are legacy data: the writer admits them
    session: ["SET SESSION sql_mode = 'ALLOW_INVALID_DATES,NO_ENGINE_SUBSTITUTION'", "SET time_zone = '+00:00'", 'SET NAMES utf8mb4'],
  });
}
