import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineMigration, defineTable } from '../../src/config/define.js';

// These tests are mostly compile-time: `npx tsc --noEmit` fails if the typing of defineMigration regresses.

describe('defineMigration typing', () => {
  it('types to() output from the schemas and checks entity names', () => {
    const cfg = defineMigration({
      name: 'billing',
      legacy: { db: 'sqlite:legacy.sqlite' },
      next: { db: 'sqlite:next.sqlite' },
      entities: { customer: { root: 'CLIENT' } },
      tables: {
        CLIENT: {
          key: ['CLI_ID'],
          entity: 'customer',
          to: (row) => ({ customers: [{ id: Number(row.CLI_ID), name: String(row.NOM) }] }),
          schemas: { customers: z.object({ id: z.number(), name: z.string() }) },
        },
        FACTURE: {
          key: 'FAC_ID',
          entity: 'customer',
          entityKey: 'CLI_ID',
          // @ts-expect-error -- amount must be a string per the schema
          to: () => ({ invoices: [{ id: 1, amount: 3 }] }),
          schemas: { invoices: z.object({ id: z.number(), amount: z.string() }) },
        },
        BAD_ENTITY: {
          key: ['X'],
          // @ts-expect-error -- not an entity
          entity: 'custmer',
          to: () => ({}),
          schemas: {},
        },
      },
    });
    expect(cfg.name).toBe('billing');
  });

  it('gives to() a typed row when a row schema is given', () => {
    const t = defineTable({
      key: ['CLI_ID'],
      row: z.object({ CLI_ID: z.number(), NOM: z.string() }),
      to: (row) => {
        expectTypeOf(row.NOM).toEqualTypeOf<string>();
        return { customers: [{ id: row.CLI_ID, name: row.NOM }] };
      },
      schemas: { customers: z.object({ id: z.number(), name: z.string() }) },
    });
    const cfg = defineMigration({
      name: 'x', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' },
      tables: { CLIENT: t },
    });
    expect(Object.keys(cfg.tables)).toEqual(['CLIENT']);
  });

  it('rejects an entity root that is not a mapped table and next keys of an unknown next table', () => {
    const cfg = defineMigration({
      name: 'x', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' },
      // @ts-expect-error -- CLIENTS is not a key of tables
      entities: { customer: { root: 'CLIENTS' } },
      tables: {
        CLIENT: {
          key: 'CLI_ID',
          entityKey: (row) => row.CLI_ID,
          to: () => ({ customers: [] }),
          schemas: { customers: z.object({ id: z.number() }) },
          // @ts-expect-error -- custmers is not one of the schemas
          nextKeys: { custmers: ['id'] },
        },
      },
    });
    expect(cfg.entities).toBeDefined();
  });
});
