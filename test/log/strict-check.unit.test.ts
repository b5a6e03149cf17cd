import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRecord, encodeRecord, validateRecord, zodAccepts } from '../../src/log/codec.js';
import { INVALID, strictCheck, VALID_NON_FINITE } from '../../src/log/strict-check.js';
import { LogRecordError } from '../../src/log/errors.js';

/**
 * The decode hot path's hand-written check must accept exactly what the zod schema (the definition) accepts: a
 * looser check would let a bad record into apply, a stricter one would refuse a good record. Random records, valid
 * and mutated at a random place, are judged by both.
 */

const tricky = fc.constantFrom<unknown>(
  undefined, null, '', 'x', 0, 1.5, -1, true, false, [], {}, ['a'], [''],
  '1', '-12', '1.50', '1.', '.5', '007', 'NaN', 'Infinity', '-Infinity', 'nan',
  '2026-01-01', '2026-1-01', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000000', 'yesterday', '2026-13-45T00:00:00Z',
  '12:30:00', '123:00:00.5', '1:00:00', '12:30:00.1234567', 'QUJD', 'QUJD=', 'QU JD', 'a===',
  'insert', 'update', 'delete', 'read', 'upsert', 'change', 'ddl', 'watermark', 'low', 'high',
  'int', 'dec', 'float', 'date', 'time', 'ts', 'lts', 'bytes', 'json', 'invalid', 'zero-date', 'invalid-json', 'bogus',
  { t: 'int', v: '1' }, { t: 'int', v: 1 }, { t: 'dec', v: '1.5' }, { t: 'float', v: 2.5 }, { t: 'float', v: 'NaN' }, { t: 'float', v: '2.5' },
  { t: 'date', v: '2026-01-01' }, { t: 'ts', v: '2026-01-01T00:00:00.000000Z' }, { t: 'bytes', v: 'QUJD' }, { t: 'json', v: '{}' },
  { t: 'invalid', reason: 'zero-date', raw: '0000-00-00' }, { t: 'invalid', reason: 'nope', raw: '' }, { t: 'invalid', reason: 'zero-date' },
  { t: 'int', v: '1', extra: 1 }, { t: 'nope', v: '1' }, { v: '1' },
  { name: 'c', type: 'int', nullable: true }, { name: '', type: 'int', nullable: true }, { name: 'c', type: 'int', nullable: 1 },
);
const value = fc.oneof(tricky, fc.jsonValue(), fc.string());

const canonical = fc.oneof(
  fc.constant(null), fc.boolean(), fc.string(),
  fc.bigInt().map((b) => ({ t: 'int', v: String(b) })),
  fc.tuple(fc.bigInt(), fc.nat({ max: 999 })).map(([i, f]) => ({ t: 'dec', v: `${i}.${f}` })),
  fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(NaN, Infinity, -Infinity)).map((v) => ({ t: 'float', v: Number.isFinite(v) ? v : String(v) })),
  fc.constantFrom({ t: 'date', v: '2026-01-31' }, { t: 'time', v: '-838:59:59.000001' }, { t: 'ts', v: '2026-01-01T10:00:00.123456Z' },
    { t: 'lts', v: '2026-01-01T10:00:00.000000' }, { t: 'bytes', v: 'AAE=' }, { t: 'json', v: '[1]' }, { t: 'invalid', reason: 'invalid-encoding', raw: 'c3' }),
);
const row = fc.dictionary(fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('__proto__', 'constructor', 'v', 't')), canonical, { maxKeys: 4 });
const at = fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.123456Z', '2026-06-01T12:00:00+02:00');
const change = fc.record({
  kind: fc.constant('change'), source: fc.string({ minLength: 1 }), table: fc.string({ minLength: 1 }), key: row,
  op: fc.constantFrom('insert', 'update', 'delete', 'read'), before: fc.option(row), after: fc.option(row),
  position: fc.string({ minLength: 1 }), txid: fc.option(fc.string()), at,
}, { noNullPrototype: true }).chain((c) => fc.record({
  c: fc.constant(c),
  oldKey: fc.option(row, { nil: undefined }),
  incomplete: fc.option(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), { nil: undefined }),
}).map(({ c, oldKey, incomplete }) => ({ ...c, ...(oldKey !== undefined ? { oldKey } : {}), ...(incomplete !== undefined ? { incomplete } : {}) })));
const ddl = fc.record({
  kind: fc.constant('ddl'), source: fc.string({ minLength: 1 }), table: fc.string({ minLength: 1 }), statement: fc.option(fc.string()),
  columns: fc.option(fc.array(fc.record({ name: fc.string({ minLength: 1 }), type: fc.string(), nullable: fc.boolean() }), { maxLength: 2 })),
  position: fc.string({ minLength: 1 }), txid: fc.option(fc.string()), at,
});
const watermark = fc.record({
  kind: fc.constant('watermark'), source: fc.string({ minLength: 1 }), table: fc.option(fc.string()), id: fc.string({ minLength: 1 }),
  phase: fc.constantFrom('low', 'high'), position: fc.string({ minLength: 1 }), at,
});

/** Every object/array inside x, with x itself. */
function containers(x: unknown, out: unknown[] = []): unknown[] {
  if (typeof x === 'object' && x !== null) {
    out.push(x);
    for (const k of Object.keys(x)) containers((x as Record<string, unknown>)[k], out);
  }
  return out;
}

/** A deep copy with one random edit: a field set to a tricky value, deleted, or an unknown field added. */
const mutated = fc.tuple(fc.oneof(change, ddl, watermark), fc.nat(), fc.nat(), fc.constantFrom('set', 'delete', 'add'), value, fc.string({ maxLength: 6 }))
  .map(([rec, i, j, op, v, extra]) => {
    const copy = JSON.parse(JSON.stringify(rec)) as Record<string, unknown>;
    const all = containers(copy);
    const target = all[i % all.length] as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys.length > 0 && op !== 'add' ? keys[j % keys.length]! : extra;
    // an array takes an added element, also for an edit of an empty one (a named key such as "length" is no JSON
    // edit: defineProperty throws on it)
    if (Array.isArray(target) && (op === 'add' || keys.length === 0)) target.push(v);
    else if (op === 'delete' && !Array.isArray(target)) delete target[key];
    else Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
    return copy;
  });

const agree = (x: unknown) => {
  const zod = zodAccepts(x);
  expect(strictCheck(x, false) !== INVALID).toBe(zod);
  // as the log hands it to decode: through JSON (undefined fields vanish, and the record may change verdict)
  const text = JSON.stringify(x);
  if (text === undefined) return;
  const parsed: unknown = JSON.parse(text);
  expect(strictCheck(parsed, true) !== INVALID).toBe(zodAccepts(parsed));
};

describe('strict-check: the hand-written record check agrees with the zod schema', () => {
  it('on valid records of every kind (property)', () => {
    fc.assert(fc.property(fc.oneof(change, ddl, watermark), agree), { numRuns: 600 });
  });

  it('on records edited at a random place (property)', () => {
    fc.assert(fc.property(mutated, agree), { numRuns: 4000 });
  });

  it('on non-records and in-memory oddities', () => {
    for (const x of [null, 1, 'change', [], [{ kind: 'change' }], { kind: 'snapshot' }, {}]) agree(x);
    const base = { kind: 'change', source: 's', table: 't', key: { id: { t: 'int', v: '1' } }, op: 'insert', before: null, after: { a: 'x' }, position: 'p', txid: null, at: '2026-01-01T00:00:00Z' };
    class Row { a = 'x'; }
    agree({ ...base, after: new Row() });
    agree({ ...base, after: Object.assign(Object.create(null) as object, { a: 'x' }) });
    agree({ ...base, after: { a: 'x', [Symbol('s')]: 1 } });
    agree({ ...base, key: JSON.parse('{"__proto__": {"t": "int", "v": "1"}}') as unknown });
    agree({ ...base, oldKey: undefined });
    agree({ ...base, txid: undefined });
    agree({ ...base, after: { a: { t: 'float', v: NaN } } });
  });

  it('flags a non-finite float written as text, which decode revives as a number', () => {
    const c = { kind: 'change', source: 's', table: 't', key: { id: { t: 'int', v: '1' } }, op: 'insert', before: null, after: { f: { t: 'float', v: -Infinity } }, position: 'p', txid: null, at: '2026-01-01T00:00:00Z' } as const;
    const text = encodeRecord(c);
    expect(strictCheck(JSON.parse(text), true)).toBe(VALID_NON_FINITE);
    expect(decodeRecord(text, 'test')).toEqual(c);
  });

  it('still refuses a bad record on decode, with the zod-worded errors naming the place and the field', () => {
    const bad = { kind: 'change', source: 's', table: 't', key: { id: { t: 'int', v: '1.5' } }, op: 'insert', before: null, after: { a: 1 }, position: 'p', txid: null, at: 'yesterday' };
    const e = (() => { try { decodeRecord(JSON.stringify(bad), 'at offset 9 of postgres:log'); } catch (x) { return x; } return null; })();
    expect(e).toBeInstanceOf(LogRecordError);
    expect((e as Error).message).toMatch(/invalid log record at offset 9 of postgres:log/);
    expect((e as Error).message).toMatch(/key\.id/);
    expect((e as Error).message).toMatch(/after\.a/);
    expect((e as Error).message).toMatch(/at: not an ISO-8601 instant/);
    expect(() => decodeRecord(JSON.stringify({ ...bad, key: { id: { t: 'int', v: '1' } }, after: { a: 'x' }, at: '2026-01-01T00:00:00Z', extra: 1 }), 'x')).toThrow(/Unrecognized key.*extra/);
    expect(() => validateRecord({ ...bad, key: { id: { t: 'int', v: '1' } }, after: null, at: '2026-01-01T00:00:00Z' }, 'x')).toThrow(/after: an insert needs its after image/);
  });
});
