import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { parserOf } from '../../src/config/compiled-schema.js';
import * as billing from '../../examples/billing/mapping/next-schemas.js';

// The compiled parser mapRow uses must accept and refuse exactly what zod's runtime does, give the same value on
// success (same keys in the same order) and the same issues on failure: a differential property test against the
// runtime, on the billing schemas and on schemas using what user configs use (optional, defaults, transforms,
// refinements — one that throws —, strip / strict / loose objects, nesting, unions, length checks on surrogates).

type Sampled = { schema: z.ZodType; sample: Record<string, unknown> };

const cases: Record<string, Sampled> = {
  customers: { schema: billing.customers, sample: { id: 12, title: 'mr', last_name: 'Dupont', first_name: 'Jean', email: 'jean.dupont@example.fr', phone: '0102030405', address_line1: '1 rue X', address_line2: null, postal_code: '75001', city: 'Paris', country: 'FR', status: 'active', created_at: '2020-01-02T03:04:05', updated_at: null } },
  contracts: { schema: billing.contracts, sample: { number: 'C1', customer_id: 3, offer: 'pro', start_date: '2020-01-01', end_date: null, monthly_amount: '10.00', status: 'active' } },
  invoices: { schema: billing.invoices, sample: { number: 5, customer_id: 3, contract_number: 'C1', issue_date: '2020-01-01', due_date: null, amount_excl_tax: '10', vat_rate: '20.0', amount_incl_tax: '12', status: 'paid' } },
  invoice_lines: { schema: billing.invoice_lines, sample: { invoice_number: 5, line_number: 1, customer_id: 3, label: 'Abonnement', quantity: '1', unit_price: '12.50', amount: '12.50' } },
  payments: { schema: billing.payments, sample: { reference: 'R1', invoice_number: 5, customer_id: 3, paid_at: '2020-01-02T03:04:05', amount: '12.5', method: 'card' } },
  mixed: {
    schema: z.object({
      code: z.string().length(2),
      name: z.string().min(2).max(5).trim(),
      n: z.number().int().min(-3).max(1e6).optional(),
      f: z.number().nonnegative().default(1),
      tag: z.union([z.literal('a'), z.literal(1), z.null()]),
      when: z.iso.date().nullable(),
      big: z.bigint().optional(),
      up: z.string().transform((s) => s.toUpperCase()),
      odd: z.number().refine((x) => { if (x === 13) throw new Error('unlucky'); return x % 2 === 1; }, 'odd'),
      nested: z.object({ a: z.boolean(), b: z.array(z.string().min(1)).max(2) }).optional(),
    }),
    sample: { code: 'FR', name: ' abc ', n: 4, f: 2.5, tag: 'a', when: '2020-02-29', big: 5n, up: 'x', odd: 3, nested: { a: true, b: ['x'] } },
  },
  loose: { schema: z.looseObject({ id: z.number(), label: z.string().nullish() }), sample: { id: 1, label: 'x', extra: 2 } },
  strip: { schema: z.object({ id: z.number().positive(), e: z.email().optional() }), sample: { id: 1, e: 'a@b.fr' } },
};

const tricky = fc.constantFrom<unknown>(
  null, undefined, '', 'a', 'FR', 'F😀', '😀', '😀😀', '\uD800', 'a\uDC00', ' x ', '12.50', '-1', '1e3', '0.', '2020-01-01',
  '2020-02-30', '2020-13-01T00:00:00', '2020-01-02T03:04:05.123', 'a@b.co', 'bad@', 'mr', 'Mr', 'active', 'card', '75001',
  0, -0, 1, -1, 1.5, 3, 13, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, true, false, 12n,
  {}, [], ['x'], { a: true, b: [] }, { a: 1 }, new Date(0),
);
const anyValue = fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.integer(), fc.double());

/** A sample with some values replaced, some keys removed and maybe an extra key; now and then not an object at all. */
function inputs(sample: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(sample);
  const edited = fc.record({
    changes: fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(anyValue, fc.constant('<drop>'))), { maxLength: 3 }),
    extra: fc.option(fc.tuple(fc.constantFrom('extra', 'other', '__proto__'), anyValue), { freq: 4 }),
  }).map(({ changes, extra }) => {
    const o: Record<string, unknown> = { ...sample };
    for (const [k, v] of changes) { if (v === '<drop>') delete o[k]; else o[k] = v; }
    if (extra) Object.defineProperty(o, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
    return o;
  });
  return fc.oneof({ weight: 10, arbitrary: edited }, { weight: 1, arbitrary: anyValue });
}

/** The runtime's answer, or what it threw, in a comparable form. */
function answer(s: z.ZodType, x: unknown): unknown {
  try {
    const r = s.safeParse(x);
    return r.success ? { ok: true, data: r.data, keys: keysDeep(r.data) } : { ok: false, issues: r.error.issues };
  } catch (e) { return { threw: (e as Error).message }; }
}
/** Key order too (toStrictEqual does not look at it): the output row's column order is the order written. */
const keysDeep = (v: unknown): unknown =>
  typeof v === 'object' && v !== null ? (Array.isArray(v) ? v.map(keysDeep) : Object.entries(v).map(([k, x]) => [k, keysDeep(x)])) : typeof v;

describe('parserOf (zod compiled schemas)', () => {
  for (const [name, { schema, sample }] of Object.entries(cases)) {
    it(`${name}: the compiled parser answers as zod's runtime (property)`, () => {
      const fast = parserOf(schema);
      expect(answer(fast, sample)).toEqual(answer(schema, sample));
      fc.assert(fc.property(inputs(sample), (x) => {
        expect(answer(fast, x)).toStrictEqual(answer(schema, x));
      }), { numRuns: 1500 });
    });
  }

  it('the billing schemas are compiled (the fast path is taken), once per schema object', () => {
    for (const s of [billing.customers, billing.contracts, billing.invoices, billing.invoice_lines, billing.payments]) {
      expect(parserOf(s)).not.toBe(s);
      expect(parserOf(s)).toBe(parserOf(s));
    }
  });

  it('a schema of another zod version, or not a zod schema, is left to its own parser', () => {
    const s = z.object({ id: z.number() });
    const other = { ...s, _zod: { ...s._zod, version: { major: 4, minor: 5, patch: 0 } } } as unknown as z.ZodType;
    expect(parserOf(other)).toBe(other);
    const duck = { safeParse: (x: unknown) => ({ success: true, data: x }) } as unknown as z.ZodType;
    expect(parserOf(duck)).toBe(duck);
  });
});
