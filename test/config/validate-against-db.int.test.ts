import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateAgainstDatabases } from '../../src/config/validate-against-db.js';
import { trim, upper } from '../../src/config/cleaning/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

// Branches of the database checks not exercised by the CLI tests, on embedded SQLite (the checks only use the
// Database interface, so the engine does not matter here).
let lf: FreshDatabase, nf: FreshDatabase, legacy: Database, next: Database;

beforeAll(async () => {
  [lf, nf] = await Promise.all([freshDatabase('sqlite'), freshDatabase('sqlite')]);
  legacy = await openDatabase(lf.url);
  next = await openDatabase(nf.url);
  await legacy.execute(`CREATE TABLE CLIENT (CLI_ID INTEGER PRIMARY KEY, CODE TEXT, PAYS TEXT)`);
  await legacy.execute(`CREATE TABLE CONTACT (EMAIL TEXT UNIQUE, NOM TEXT)`);
  await next.execute(`CREATE TABLE customers (id INTEGER PRIMARY KEY, code TEXT)`);
  await next.execute(`CREATE TABLE notes (customer_id INTEGER, body TEXT)`);
  await next.execute(`CREATE TABLE contacts (email TEXT PRIMARY KEY, name TEXT)`);
});
afterAll(async () => {
  await legacy?.close(); await next?.close();
  await lf?.drop(); await nf?.drop();
});

const cfg = (tables: Record<string, unknown>) => resolveConfig({ name: 'v', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' }, tables });

describe('validateAgainstDatabases', () => {
  it('accepts a matching config and reports the tables and next keys it found', async () => {
    const v = await validateAgainstDatabases(cfg({
      CLIENT: { key: 'CLI_ID', clean: [trim(), upper('PAYS')], to: () => ({}), schemas: { customers: z.object({ id: z.number(), code: z.string() }) } },
    }), legacy, next);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
    expect(Object.keys(v.legacyTables)).toEqual(['CLIENT']);
    expect(v.nextKeys).toEqual({ customers: ['id'] });
  });

  it('names missing tables and columns, cleaning step columns, next tables without a key', async () => {
    const v = await validateAgainstDatabases(cfg({
      CLIENTS: { key: 'CLI_ID', to: () => ({}), schemas: {} },
      CLIENT: {
        key: 'CLI_ID', clean: [trim(), upper('PAYZ')], to: () => ({}),
        schemas: { notes: z.object({ customer_id: z.number(), body: z.string() }), customers: z.object({ code: z.string() }) },
      },
    }), legacy, next);
    expect(v.errors.map((e) => e.message)).toEqual([
      'tables.CLIENTS: table "CLIENTS" does not exist in legacy; tables are CLIENT, CONTACT (did you mean "CLIENT"?)',
      'tables.CLIENT.clean[1]: column "PAYZ" does not exist in legacy table CLIENT; columns are CLI_ID, CODE, PAYS (did you mean "PAYS"?)',
      'tables.CLIENT.nextKeys.notes: next table notes has no primary or unique key, so rows cannot be written by key: add a primary key to notes (siphon schema plan proposes one), or a unique index and name its columns in nextKeys.notes',
      'tables.CLIENT.schemas.customers: does not produce column "id", part of the key of next table customers',
    ]);
  });

  it('explicit next keys are checked; a nullable unique legacy key is a warning', async () => {
    const v = await validateAgainstDatabases(cfg({
      CONTACT: { key: 'EMAIL', to: () => ({}), schemas: { notes: z.object({ customer_id: z.number() }) }, nextKeys: { notes: ['customer_idd'] } },
    }), legacy, next);
    expect(v.errors.map((e) => e.message)).toEqual([
      'tables.CONTACT.nextKeys.notes: column "customer_idd" does not exist in next table notes; columns are customer_id, body (did you mean "customer_id"?)',
    ]);
    const unique = await validateAgainstDatabases(cfg({
      CONTACT: { key: 'EMAIL', to: () => ({}), schemas: { notes: z.object({ customer_id: z.number() }) }, nextKeys: { notes: ['customer_id'] } },
    }), legacy, next);
    expect(unique.errors.map((e) => e.message)).toEqual([
      'tables.CONTACT.nextKeys.notes: (customer_id) is neither the primary key nor a unique key of next table notes; create a unique index on it',
    ]);
    expect(v.warnings.map((w) => w.message)).toEqual([
      'tables.CONTACT.key: unique key column EMAIL of CONTACT accept NULL; rows with a NULL key cannot be migrated',
    ]);
  });

  it('without a next database only the legacy side is checked', async () => {
    const v = await validateAgainstDatabases(cfg({ CLIENT: { key: 'CLI_ID', to: () => ({}), schemas: { nope: z.object({}) } } }), legacy);
    expect(v.errors).toEqual([]);
    expect(v.nextTables).toEqual({});
  });
});
