import type { Database, TableInfo } from '../backends/types.js';
import type { ConfigIssue } from './errors.js';
import { suggest } from './describe-value.js';
import type { ResolvedConfig, ResolvedTable } from './types.js';

export interface DbValidation {
  /** Config errors (exit 2): missing tables or columns, next tables without a usable key. */
  readonly errors: readonly ConfigIssue[];
  /** Worth knowing, not blocking: a key that is not declared unique, nullable unique key columns. */
  readonly warnings: readonly ConfigIssue[];
  /** Introspected legacy tables that are mapped and exist. */
  readonly legacyTables: Readonly<Record<string, TableInfo>>;
  /** Introspected next tables named in schemas that exist. */
  readonly nextTables: Readonly<Record<string, TableInfo>>;
  /** Key of each next table: nextKeys when given, else its primary key. */
  readonly nextKeys: Readonly<Record<string, readonly string[]>>;
}

const issue = (path: string, message: string): ConfigIssue => ({ path, message: `${path}: ${message}` });

function listColumns(info: TableInfo): string {
  const names = info.columns.map((c) => c.name);
  return names.length > 20 ? `${names.slice(0, 20).join(', ')}, ...` : names.join(', ');
}

function missingColumn(path: string, column: string, side: 'legacy' | 'next', info: TableInfo): ConfigIssue {
  const hint = suggest(column, info.columns.map((c) => c.name));
  return issue(path, `column "${column}" does not exist in ${side} table ${info.name}; columns are ${listColumns(info)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

function missingTable(path: string, table: string, side: 'legacy' | 'next', existing: readonly string[]): ConfigIssue {
  const hint = suggest(table, existing);
  const shown = existing.length > 30 ? `${existing.slice(0, 30).join(', ')}, ...` : existing.join(', ') || '(none)';
  return issue(path, `table "${table}" does not exist in ${side}; tables are ${shown}${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Field names of a zod object schema (duck-typed: `.shape`), or undefined for other schemas. */
function schemaFields(schema: unknown): string[] | undefined {
  const shape = (schema as { shape?: unknown } | null)?.shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

function checkLegacyTable(t: ResolvedTable, info: TableInfo, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  const has = (c: string) => info.columns.some((x) => x.name === c);
  const base = `tables.${t.name}`;
  for (const k of t.key) if (!has(k)) errors.push(missingColumn(`${base}.key`, k, 'legacy', info));
  if (t.entityKeyColumn !== undefined && !has(t.entityKeyColumn)) errors.push(missingColumn(`${base}.entityKey`, t.entityKeyColumn, 'legacy', info));
  t.clean.forEach((step, i) => {
    for (const c of step.columns ?? []) if (!has(c)) errors.push(missingColumn(`${base}.clean[${i}]`, c, 'legacy', info));
  });
  if (t.key.every(has)) {
    const pk = info.primaryKey;
    const unique = info.uniqueKeys.find((u) => sameSet(u, t.key));
    if (pk.length === 0 && info.uniqueKeys.length === 0) {
      warnings.push(issue(`${base}.key`, `legacy table ${t.name} has no primary or unique key; (${t.key.join(', ')}) is used as its key.` +
        ` Rows sharing a key, or with a NULL in it, are refused by the dry run and quarantined by apply. If the columns are unique,` +
        ` declare it (a unique index in legacy); if no column set is, leave ${t.name} out of tables.`));
    } else if (!sameSet(pk, t.key) && !unique) {
      warnings.push(issue(`${base}.key`, `(${t.key.join(', ')}) is neither the primary key nor a unique key of legacy table ${t.name}` +
        ` (primary key: ${pk.length ? `(${pk.join(', ')})` : 'none'}); rows with equal keys would overwrite each other`));
    } else if (unique && !sameSet(pk, t.key)) {
      const nullable = t.key.filter((k) => info.columns.find((c) => c.name === k)?.nullable);
      if (nullable.length) warnings.push(issue(`${base}.key`, `unique key column${nullable.length > 1 ? 's' : ''} ${nullable.join(', ')} of ${t.name} accept NULL; rows with a NULL key cannot be migrated`));
    }
  }
}

function checkNextTable(t: ResolvedTable, next: string, info: TableInfo, errors: ConfigIssue[], nextKeys: Record<string, readonly string[]>): void {
  const has = (c: string) => info.columns.some((x) => x.name === c);
  const base = `tables.${t.name}`;
  const explicit = t.nextKeys[next];
  if (explicit) {
    const missing = explicit.filter((k) => !has(k));
    for (const k of missing) errors.push(missingColumn(`${base}.nextKeys.${next}`, k, 'next', info));
    const declared = sameSet(info.primaryKey, explicit) || info.uniqueKeys.some((u) => sameSet(u, explicit));
    if (missing.length === 0 && !declared) {
      // apply upserts by this key (ON CONFLICT needs a matching unique index)
      errors.push(issue(`${base}.nextKeys.${next}`, `(${explicit.join(', ')}) is neither the primary key nor a unique key of next table ${next}; create a unique index on it`));
    }
  } else if (info.primaryKey.length === 0) {
    errors.push(issue(`${base}.nextKeys.${next}`, info.uniqueKeys.length === 0
      ? `next table ${next} has no primary or unique key, so rows cannot be written by key: add a primary key to ${next} (siphon schema plan proposes one), or a unique index and name its columns in nextKeys.${next}`
      : `next table ${next} has no primary key; name the columns of one of its unique keys (${info.uniqueKeys.map((u) => `[${u.join(', ')}]`).join(', ')}) in nextKeys.${next}`));
  }
  const key = (explicit ?? info.primaryKey).filter(has);
  if (key.length) nextKeys[next] = nextKeys[next] ?? key;
  const fields = schemaFields(t.schemas[next]);
  if (fields) {
    for (const f of fields) if (!has(f)) errors.push(missingColumn(`${base}.schemas.${next}.${f}`, f, 'next', info));
    for (const k of key) {
      if (!fields.includes(k)) errors.push(issue(`${base}.schemas.${next}`, `does not produce column "${k}", part of the key of next table ${next}`));
    }
  }
}

/**
 * Checks every mapping against the introspected databases: legacy tables and key columns exist, keys are primary or
 * unique keys (a warning otherwise), columns named by entityKey and cleaning steps exist, next tables named in
 * schemas exist with a usable key, and zod object schemas only name columns the next table has.
 * Pass `next` undefined when the next database is unreachable: only the legacy side is checked then.
 */
export async function validateAgainstDatabases(config: ResolvedConfig, legacy: Database, next?: Database): Promise<DbValidation> {
  const errors: ConfigIssue[] = [], warnings: ConfigIssue[] = [];
  const legacyTables: Record<string, TableInfo> = {}, nextTables: Record<string, TableInfo> = {};
  const nextKeys: Record<string, readonly string[]> = {};
  const legacyNames = await legacy.listTables();
  for (const t of Object.values(config.tables)) {
    if (!legacyNames.includes(t.name)) { errors.push(missingTable(`tables.${t.name}`, t.name, 'legacy', legacyNames)); continue; }
    const info = await legacy.describeTable(t.name);
    legacyTables[t.name] = info;
    checkLegacyTable(t, info, errors, warnings);
  }
  if (next) {
    const nextNames = await next.listTables();
    for (const t of Object.values(config.tables)) {
      for (const n of Object.keys(t.schemas)) {
        if (!nextNames.includes(n)) {
          const m = missingTable(`tables.${t.name}.schemas.${n}`, n, 'next', nextNames);
          errors.push({ ...m, message: `${m.message}; siphon schema plan proposes its DDL` });
          continue;
        }
        const info = nextTables[n] ?? await next.describeTable(n);
        nextTables[n] = info;
        checkNextTable(t, n, info, errors, nextKeys);
      }
    }
  }
  return { errors: dedupe(errors), warnings, legacyTables, nextTables, nextKeys };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => (seen.has(i.message) ? false : (seen.add(i.message), true)));
}
