import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { resolveConfig } from '../../src/config/resolve.js';
import { mapRow } from '../../src/config/map-row.js';
import { codeMap, parseDecimal, trim, zeroDatesToNull } from '../../src/config/cleaning/index.js';
import { invalid } from '../../src/values/construct.js';
import type { TableInfo } from '../../src/backends/types.js';

const config = resolveConfig({
  name: 'm', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' },
  entities: { customer: { root: 'CLIENT' } },
  tables: {
    CLIENT: {
      key: ['CLI_ID'], entity: 'customer',
      clean: [trim(), codeMap('STATUT', { 1: 'active', 2: 'closed' }), parseDecimal('SOLDE')],
      to: (row: Record<string, unknown>) => {
        if (row.NOM === 'THROW') throw new TypeError('cannot split name');
        return { customers: [{ id: row.CLI_ID, name: row.NOM, status: row.STATUT, balance: row.SOLDE, born: row.NAISS }] };
      },
      schemas: { customers: z.object({ id: z.number(), name: z.string().min(1), status: z.string(), balance: z.string(), born: z.any() }) },
    },
    FACTURE: {
      key: ['FAC_ID'], entity: 'customer', entityKey: 'CLI_ID',
      clean: [zeroDatesToNull('PAYE_LE')],
      row: z.object({ FAC_ID: z.number(), CLI_ID: z.number().nullable(), PAYE_LE: z.string().nullable() }),
      to: (row: Record<string, unknown>) => ({ invoices: [{ id: row.FAC_ID, paid: row.PAYE_LE }], extra: [] }),
      schemas: { invoices: z.object({ id: z.number(), paid: z.string().nullable() }) },
    },
  },
});
const CLIENT = config.tables.CLIENT!;
const FACTURE = config.tables.FACTURE!;
const good = { CLI_ID: 1, NOM: ' Dupont ', STATUT: 1, SOLDE: '1 234,50', NAISS: '1980-01-02' };
const reasons = (r: ReturnType<typeof mapRow>) => (r.ok ? [] : r.failures.map((f) => `${f.stage}|${f.reason}`));

describe('mapRow', () => {
  it('cleans, maps and validates a good row, giving its entity key', () => {
    const r = mapRow(CLIENT, good);
    expect(r).toEqual({ ok: true, entityKey: 1, rows: { customers: [{ id: 1, name: 'Dupont', status: 'active', balance: '1234.5', born: '1980-01-02' }] } });
  });

  it('a cleaning failure names the step, column and reason (and the unknown code, which is not personal data)', () => {
    expect(reasons(mapRow(CLIENT, { ...good, STATUT: 7 }))).toEqual(['clean|clean codeMap(STATUT): unknown-code 7']);
    expect(reasons(mapRow(CLIENT, { ...good, SOLDE: 'n/a' }))).toEqual(['clean|clean parseDecimal(SOLDE): unparseable-decimal']);
  });

  it('schema issues give path and code, never the value', () => {
    const r = reasons(mapRow(CLIENT, { ...good, NOM: '   ' }));
    expect(r).toEqual(['schema|schema customers.name: too_small (Too small: expected string to have >=1 characters)']);
  });

  it('an exception in to() is a reason', () => {
    expect(reasons(mapRow(CLIENT, { ...good, NOM: 'THROW' }))).toEqual(['to|to() threw TypeError: cannot split name']);
  });

  it('invalid values left in the output are reported', () => {
    expect(reasons(mapRow(CLIENT, { ...good, NAISS: invalid('zero-date', '0000-00-00') }))).toEqual(['invalid-value|invalid value left in customers.born (zero-date)']);
  });

  it('a row schema validates the cleaned row; rows for a table without schema are reported', () => {
    expect(reasons(mapRow(FACTURE, { FAC_ID: 1, CLI_ID: 2, PAYE_LE: invalid('zero-date', '0000-00-00') }))).toEqual([
      'to|to() returned rows for "extra", which has no schema in tables.FACTURE.schemas',
    ]);
    expect(reasons(mapRow(FACTURE, { FAC_ID: 'x', CLI_ID: 2, PAYE_LE: null }))).toEqual([
      'row|row FAC_ID: invalid_type (Invalid input: expected number, received string)',
    ]);
  });

  it('a NULL entity key is a reason', () => {
    expect(reasons(mapRow(FACTURE, { FAC_ID: 1, CLI_ID: null, PAYE_LE: null }))).toContain('entity-key|entityKey (CLI_ID) is null');
  });

  it('checks output values against the next columns when known', () => {
    const customers: TableInfo = {
      name: 'customers', primaryKey: ['id'], uniqueKeys: [],
      columns: [
        { name: 'id', type: 'int', nativeType: 'integer', nullable: false },
        { name: 'name', type: 'text', nativeType: 'text', nullable: false },
        { name: 'status', type: 'text', nativeType: 'text', nullable: false },
        { name: 'balance', type: 'int', nativeType: 'integer', nullable: true },
      ],
    };
    expect(reasons(mapRow(CLIENT, good, { nextTables: { customers } }))).toEqual([
      'write|write customers.balance: invalid-number for int column (integer)',
      'write|write customers.born: no such column in next table customers',
    ]);
  });

  it('an async to() or a throwing schema are reasons, not crashes', () => {
    const t = resolveConfig({
      name: 'm', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' },
      tables: {
        A: { key: 'ID', to: async () => ({ a: [] }), schemas: { a: z.object({}) } },
        B: { key: 'ID', to: () => ({ b: [{ x: 1 }] }), schemas: { b: z.object({ x: z.number() }).refine(async () => true) } },
      },
    }).tables;
    expect(reasons(mapRow(t.A!, { ID: 1 }))).toEqual(['to|to() returned a Promise; it must return the rows synchronously']);
    expect(reasons(mapRow(t.B!, { ID: 1 }))[0]).toMatch(/^schema\|schema b: schema_threw \(/);
  });

  it('never throws on any row: every row is either mapped or has at least one reason (property)', () => {
    const value = fc.oneof(
      fc.constant(null), fc.string(), fc.integer(), fc.bigInt(), fc.double(), fc.boolean(),
      fc.constantFrom(invalid('zero-date', '0000-00-00'), invalid('invalid-encoding', 'ff')),
      fc.constantFrom(' 1 234,50 ', '1', '2', 'x', '   '),
    );
    const row = fc.record({ CLI_ID: value, NOM: value, STATUT: value, SOLDE: value, NAISS: value });
    fc.assert(fc.property(row, (r) => {
      const result = mapRow(CLIENT, r);
      if (result.ok) expect(result.rows.customers).toHaveLength(1);
      else expect(result.failures.length).toBeGreaterThan(0);
    }), { numRuns: 500 });
  });
});
