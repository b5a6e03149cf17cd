import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { describeFound, formatPath, suggest, valueAt } from './describe-value.js';
import { startSchema } from './start-schema.js';
import { analysisSchema } from '../control/analysis/config.js';

// The shape of a migration config, in zod 4. Every leaf carries the text of what it expects; issuesFromZod turns
// zod's issues into `path: expected X, found Y`, taking Y from the input itself.

type Scheme = 'sqlite' | 'postgres' | 'mysql' | 'nats';
const SCHEME_TEST: Record<Scheme, RegExp> = {
  sqlite: /^sqlite:.+/,
  postgres: /^postgres(ql)?:\/\/./,
  mysql: /^(mysql|mariadb):\/\/./,
  nats: /^nats:\/\/./,
};
const SCHEME_TEXT: Record<Scheme, string> = { sqlite: 'sqlite:PATH', postgres: 'postgres://…', mysql: 'mysql://…', nats: 'nats://…' };

function urlField(schemes: readonly Scheme[]) {
  const expected = `a connection URL string (${schemes.map((s) => SCHEME_TEXT[s]).join(', ')})`;
  return z.string({ error: expected }).refine((s) => schemes.some((k) => SCHEME_TEST[k].test(s)), { error: expected });
}

const HTTP = 'an http:// or https:// base URL string';
const httpField = z.string({ error: HTTP }).refine((s) => /^https?:\/\/[^/]/.test(s), { error: HTTP });

const ZONE = 'an IANA time zone name such as "Europe/Paris"';
const zoneField = z.string({ error: ZONE }).refine((s) => {
  try { new Intl.DateTimeFormat('en-US', { timeZone: s }); return true; } catch { return false; }
}, { error: ZONE });

const NAME = 'a name of letters, digits, "_", "-" or "."';
const nameField = z.string({ error: NAME }).regex(/^[A-Za-z0-9_.-]+$/, { error: NAME });

const COLUMN = 'a column name';
const columnField = z.string({ error: COLUMN }).min(1, { error: COLUMN });
const KEY = 'a column name or a non-empty array of column names';
const keyField = z.union([columnField, z.array(columnField, { error: KEY }).min(1, { error: KEY })], { error: KEY });

const isFunction = (v: unknown): v is (...a: unknown[]) => unknown => typeof v === 'function';
/** Duck-typed so that a config may bring its own copy of zod. */
export const isZodSchema = (v: unknown): v is z.ZodType =>
  typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function';
const isStep = (v: unknown): boolean =>
  isFunction(v) || (typeof v === 'object' && v !== null && typeof (v as { apply?: unknown }).apply === 'function' && typeof (v as { kind?: unknown }).kind === 'string');

const SCHEMA = 'a zod schema (e.g. z.object({...}))';
const STEP = 'a cleaning step (trim(), codeMap(...), ...) or a function (row) => row';

const tableSchema = z.strictObject({
  key: keyField,
  entity: z.string({ error: 'an entity name (a key of entities)' }).optional(),
  entityKey: z.union([columnField, z.custom(isFunction)], { error: 'a column name or a function (row) => key' }).optional(),
  clean: z.array(z.custom(isStep, { error: STEP }), { error: `an array of cleaning steps` }).optional(),
  row: z.custom(isZodSchema, { error: SCHEMA }).optional(),
  to: z.custom(isFunction, { error: 'a function (row) => ({ nextTable: [rows] })' }),
  schemas: z.record(z.string(), z.custom(isZodSchema, { error: SCHEMA }), { error: 'an object giving a zod schema per next table' }),
  nextKeys: z.record(z.string(), z.array(columnField, { error: 'an array of column names' }).min(1, { error: 'a non-empty array of column names' }), { error: 'an object giving the key columns per next table' }).optional(),
  onDelete: z.strictObject({
    set: z.record(z.string(), z.unknown(), { error: 'an object { column: value } set on the next rows instead of deleting them' })
      .refine((o) => Object.keys(o).length > 0, { error: 'at least one column to set' }),
  }, { error: 'an object { set: { column: value } } (soft delete)' }).optional(),
}, { error: 'a table mapping object ({ key, to, schemas, ... })' });

export const configSchema = z.strictObject({
  name: nameField,
  legacy: z.strictObject({
    db: urlField(['sqlite', 'postgres', 'mysql']),
    http: httpField.optional(),
    timezone: zoneField.optional(),
  }, { error: 'an object { db, http?, timezone? }' }),
  next: z.strictObject({
    db: urlField(['sqlite', 'postgres', 'mysql']),
    http: httpField.optional(),
  }, { error: 'an object { db, http? }' }),
  state: urlField(['sqlite', 'postgres']).optional(),
  log: urlField(['sqlite', 'postgres', 'nats']).optional(),
  entities: z.record(z.string(), z.strictObject({
    root: z.string({ error: 'the name of a table in tables' }),
    migratedColumn: z.string({ error: "a column of the root table that aspire sets when the entity has moved (instead of the siphon_migrated table)" }).min(1).optional(),
  }, { error: 'an object { root: TABLE }' }), { error: 'an object of entities { name: { root: TABLE } }' }).optional(),
  tables: z.record(z.string(), tableSchema, { error: 'an object of table mappings keyed by legacy table name' }),
  admin: z.strictObject({
    url: httpField.optional(),
    host: z.string({ error: 'a host name or address' }).min(1).optional(),
    port: z.number({ error: 'a port number' }).int().min(0).max(65535).optional(),
    tokenFile: z.string({ error: 'a file path' }).min(1).optional(),
  }, { error: 'an object { url?, host?, port?, tokenFile? }' }).optional(),
  /** What `siphon start` runs (src/config/start-schema.ts). */
  start: startSchema.optional(),
  analysis: analysisSchema.optional(),
}, { error: 'a migration config object (export default defineMigration({...}))' });

/** The validated shape (before resolution of defaults). */
export type ConfigShape = z.output<typeof configSchema>;

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(configSchema.shape),
  legacy: ['db', 'http', 'timezone'],
  next: ['db', 'http'],
  table: Object.keys(tableSchema.shape),
  entity: ['root', 'migratedColumn'],
  admin: ['url', 'host', 'port', 'tokenFile'],
  start: Object.keys(startSchema.shape),
  analysis: Object.keys(analysisSchema.shape),
};

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS['']!;
  if (path.length === 1 && (path[0] === 'legacy' || path[0] === 'next' || path[0] === 'admin')) return KNOWN_KEYS[path[0]]!;
  if (path.length === 2 && path[0] === 'tables') return KNOWN_KEYS.table!;
  if (path.length === 2 && path[0] === 'entities') return KNOWN_KEYS.entity!;
  if (path.length === 1 && path[0] === 'start') return KNOWN_KEYS.start!;
  if (path.length === 1 && path[0] === 'analysis') return KNOWN_KEYS.analysis!;
  return [];
}

/** Turns zod issues into config issues: `path: expected X, found Y` (unknown keys: `path: unknown key`). */
export function issuesFromZod(error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key]);
        const hint = suggest(key, known);
        const expected = known.length ? `one of ${known.join(', ')}` : 'no such key';
        out.push({ path, expected, found: `unknown key "${key}"`, message: `${path}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected ${expected}` });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      // a branch that accepted the outer shape and failed deeper (e.g. an array with one bad element) is the one the
      // user meant: report its issues at their precise paths
      const deeper = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
      if (deeper) {
        out.push(...issuesFromZod({ issues: deeper.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) } as z.ZodError, input));
        continue;
      }
    }
    const path = formatPath(issue.path);
    if (issue.path.length === 3 && issue.path[0] === 'tables' && issue.path[2] === 'key' && valueAt(input, issue.path) === undefined) {
      out.push(missingKey(path, String(issue.path[1])));
      continue;
    }
    const found = describeFound(valueAt(input, issue.path));
    const expected = issue.message;
    out.push({ path, expected, found, message: `${path}: expected ${expected}, found ${found}` });
  }
  return dedupe(out);
}

/** A mapping without `key`: often a legacy table with no primary or unique key. Say what the user can do. */
function missingKey(path: string, table: string): ConfigIssue {
  return {
    path, expected: KEY, found: 'nothing',
    message: `${path}: no key given. Siphon identifies every row by a key: give ${table}'s primary key or the columns of a` +
      ` unique key (key: 'ID' or key: ['A', 'B']). If ${table} has no primary or unique key, name a set of columns that` +
      ` is unique in its data (rows sharing a key, or with a NULL in it, are refused by the dry run and quarantined by` +
      ` apply), or leave ${table} out of tables.`,
  };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => (seen.has(i.message) ? false : (seen.add(i.message), true)));
}
