import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigValidationError } from '../../src/config/errors.js';

const base = () => ({
  name: 'billing',
  legacy: { db: 'mysql://root:s3cret@127.0.0.1/billing' },
  next: { db: 'postgres://u@127.0.0.1/next' },
  entities: { customer: { root: 'CLIENT' } },
  tables: {
    CLIENT: { key: ['CLI_ID'], entity: 'customer', to: () => ({}), schemas: { customers: z.object({ id: z.number() }) } },
    FACTURE: { key: 'FAC_ID', entity: 'customer', entityKey: 'CLI_ID', to: () => ({}), schemas: {} },
  },
});

function messages(input: unknown): string[] {
  try { resolveConfig(input); } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    expect((e as ConfigValidationError).code).toBe('CONFIG_INVALID');
    return (e as ConfigValidationError).issues.map((i) => i.message);
  }
  throw new Error('expected the config to be rejected');
}

function withChange(fn: (c: ReturnType<typeof base>) => void): unknown {
  const c = base();
  fn(c);
  return c;
}

describe('config validation messages', () => {
  it('accepts a good config and resolves defaults', () => {
    const r = resolveConfig(base(), { baseDir: '/srv/m' });
    expect(r.state).toBe('sqlite:/srv/m/.siphon/state.sqlite');
    expect(r.log).toBe('sqlite:/srv/m/.siphon/log.sqlite');
    expect(r.tables.FACTURE!.key).toEqual(['FAC_ID']);
    expect(r.tables.CLIENT!.entity).toBe('customer');
    expect(r.tables.CLIENT!.entityKey!({ CLI_ID: 7 })).toBe(7);
    expect(r.tables.FACTURE!.entityKey!({ CLI_ID: 8 })).toBe(8);
  });

  it('legacy.db not a string names legacy.db, what was expected and what was found', () => {
    expect(messages(withChange((c) => { (c.legacy as { db: unknown }).db = 42; }))).toEqual([
      'legacy.db: expected a connection URL string (sqlite:PATH, postgres://…, mysql://…), found number 42',
    ]);
  });

  it('a URL with an unsupported scheme is rejected without printing its password', () => {
    const m = messages(withChange((c) => { c.next.db = 'mongodb://admin:hunter2@h/db'; }));
    expect(m).toEqual(['next.db: expected a connection URL string (sqlite:PATH, postgres://…, mysql://…), found string "mongodb://admin:***@h/db"']);
    expect(m.join()).not.toContain('hunter2');
    expect(messages(withChange((c) => { (c as Record<string, unknown>).log = 'redis://x'; }))[0]).toMatch(/^log: expected a connection URL string \(sqlite:PATH, postgres:\/\/…, nats:\/\/…\)/);
  });

  it('unknown top-level keys are errors with a suggestion', () => {
    expect(messages(withChange((c) => { (c as Record<string, unknown>).tabels = {}; }))).toEqual([
      'tabels: unknown key (did you mean "tables"?); expected one of name, legacy, next, state, log, entities, tables, admin, start, analysis',
    ]);
  });

  it('unknown keys inside a table mapping are errors too', () => {
    expect(messages(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).shemas = {}; }))).toEqual([
      'tables.CLIENT.shemas: unknown key (did you mean "schemas"?); expected one of key, entity, entityKey, clean, row, to, schemas, nextKeys, onDelete',
    ]);
  });

  it('onDelete (soft delete) needs at least one column to set', () => {
    expect(messages(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).onDelete = { set: {} }; }))).toEqual([
      expect.stringMatching(/^tables\.CLIENT\.onDelete\.set: .*at least one column to set/),
    ]);
    const ok = resolveConfig(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).onDelete = { set: { deleted_at: 'now' } }; }));
    expect(ok.tables.CLIENT!.onDelete).toEqual({ set: { deleted_at: 'now' } });
  });

  it('reports every problem at once, with paths into arrays', () => {
    const m = messages(withChange((c) => {
      (c.tables.CLIENT as Record<string, unknown>).key = [];
      (c.tables.CLIENT as Record<string, unknown>).to = 'nope';
      (c.tables.CLIENT as Record<string, unknown>).clean = [() => ({}), 3];
      (c.tables.CLIENT as Record<string, unknown>).schemas = { customers: { id: 'number' } };
      (c.legacy as Record<string, unknown>).timezone = 'Europe/Pariss';
    }));
    expect(m).toEqual(expect.arrayContaining([
      'legacy.timezone: expected an IANA time zone name such as "Europe/Paris", found string "Europe/Pariss"',
      'tables.CLIENT.key: expected a column name or a non-empty array of column names, found an empty array',
      'tables.CLIENT.clean[1]: expected a cleaning step (trim(), codeMap(...), ...) or a function (row) => row, found number 3',
      'tables.CLIENT.to: expected a function (row) => ({ nextTable: [rows] }), found string "nope"',
      'tables.CLIENT.schemas.customers: expected a zod schema (e.g. z.object({...})), found an object with keys id',
    ]));
    expect(m).toHaveLength(5);
  });

  it('a union (key: column or array) reports the bad element precisely', () => {
    expect(messages(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).key = ['CLI_ID', 3]; }))).toEqual([
      'tables.CLIENT.key[1]: expected a column name, found number 3',
    ]);
    expect(messages(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).key = 5; }))).toEqual([
      'tables.CLIENT.key: expected a column name or a non-empty array of column names, found number 5',
    ]);
  });

  it('missing required fields say "found nothing"', () => {
    expect(messages({ legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' }, tables: {} })).toEqual([
      'name: expected a name of letters, digits, "_", "-" or ".", found nothing',
    ]);
    expect(messages(undefined)).toEqual(['(root): expected a migration config object (export default defineMigration({...})), found nothing']);
  });

  it('cross checks: entity names, roots, entity keys of child tables, next keys, duplicated key columns', () => {
    expect(messages(withChange((c) => { c.tables.FACTURE.entity = 'custmer'; }))).toEqual([
      'tables.FACTURE.entity: expected one of the entities (customer), found string "custmer" (did you mean "customer"?)',
    ]);
    expect(messages(withChange((c) => { c.entities.customer.root = 'CLIENTS'; }))[0]).toBe(
      'entities.customer.root: expected a table mapped in tables (CLIENT, FACTURE), found string "CLIENTS" (did you mean "CLIENT"?)');
    expect(messages(withChange((c) => { delete (c.tables.FACTURE as Record<string, unknown>).entityKey; }))).toEqual([
      'tables.FACTURE.entityKey: expected a column name or a function giving the customer key (FACTURE is not the root of customer), found nothing',
    ]);
    expect(messages(withChange((c) => { (c.tables.CLIENT as Record<string, unknown>).nextKeys = { custmers: ['id'] }; }))).toEqual([
      'tables.CLIENT.nextKeys.custmers: expected a next table named in tables.CLIENT.schemas (customers), found string "custmers"',
    ]);
    expect(messages(withChange((c) => { c.tables.CLIENT.key = ['CLI_ID', 'CLI_ID']; }))).toEqual([
      'tables.CLIENT.key: expected distinct key columns, found an array of 2 (column "CLI_ID" appears twice)',
    ]);
  });

  it('the error message lists the problems under the file name', () => {
    try { resolveConfig(withChange((c) => { (c.legacy as { db: unknown }).db = 42; }), { file: '/x/siphon.config.ts' }); } catch (e) {
      expect((e as Error).message).toBe('invalid config /x/siphon.config.ts: 1 problem\n  legacy.db: expected a connection URL string (sqlite:PATH, postgres://…, mysql://…), found number 42');
      return;
    }
    throw new Error('expected a rejection');
  });
});
