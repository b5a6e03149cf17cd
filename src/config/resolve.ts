import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { ConfigIssue } from './errors.js';
import { ConfigValidationError } from './errors.js';
import { describeFound, suggest } from './describe-value.js';
import { configSchema, issuesFromZod, type ConfigShape } from './schema.js';
import { parseAnalysisConfig } from '../control/analysis/config.js';
import { AnalysisConfigError } from '../control/analysis/errors.js';
import { toStep } from './cleaning/step.js';
import type { AnySchema, CleaningStepLike, ResolvedConfig, ResolvedTable } from './types.js';

export const DEFAULT_STATE = 'sqlite:.siphon/state.sqlite';
export const DEFAULT_LOG = 'sqlite:.siphon/log.sqlite';

/** Relative sqlite paths are relative to the config file's folder, so a config means the same from any cwd. */
function anchorSqlite(url: string, baseDir: string | undefined): string {
  if (!baseDir || !url.startsWith('sqlite:')) return url;
  const path = url.slice('sqlite:'.length);
  if (path === ':memory:' || isAbsolute(path) || path.startsWith('//') || path.startsWith('${')) return url;
  return `sqlite:${resolvePath(baseDir, path)}`;
}

/** Checks that need the whole document: entity names, roots, next keys, duplicated key columns. */
function crossCheck(c: ConfigShape): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: string, expected: string, found: unknown, extra = '') =>
    issues.push({ path, expected, found: describeFound(found), message: `${path}: expected ${expected}, found ${describeFound(found)}${extra}` });
  const entities = c.entities ?? {};
  const entityNames = Object.keys(entities);
  const tableNames = Object.keys(c.tables);
  const rootOf = new Map<string, string>();
  for (const [e, def] of Object.entries(entities)) {
    if (!(def.root in c.tables)) {
      const hint = suggest(def.root, tableNames);
      add(`entities.${e}.root`, `a table mapped in tables (${tableNames.join(', ') || 'none'})`, def.root, hint ? ` (did you mean "${hint}"?)` : '');
    } else if (rootOf.has(def.root)) {
      add(`entities.${e}.root`, `a table that is not already the root of entity ${rootOf.get(def.root)}`, def.root);
    } else rootOf.set(def.root, e);
  }
  for (const [t, m] of Object.entries(c.tables)) {
    const key = typeof m.key === 'string' ? [m.key] : m.key;
    const dup = key.find((k, i) => key.indexOf(k) !== i);
    if (dup) add(`tables.${t}.key`, 'distinct key columns', key, ` (column "${dup}" appears twice)`);
    if (m.entity !== undefined && !entityNames.includes(m.entity)) {
      const hint = suggest(m.entity, entityNames);
      add(`tables.${t}.entity`, `one of the entities (${entityNames.join(', ') || 'none declared in entities'})`, m.entity, hint ? ` (did you mean "${hint}"?)` : '');
    }
    const rootEntity = rootOf.get(t);
    if (rootEntity !== undefined && m.entity !== undefined && m.entity !== rootEntity) {
      add(`tables.${t}.entity`, `"${rootEntity}" (${t} is the root of entity ${rootEntity})`, m.entity);
    }
    if (m.entity !== undefined && rootEntity === undefined && m.entityKey === undefined) {
      add(`tables.${t}.entityKey`, `a column name or a function giving the ${m.entity} key (${t} is not the root of ${m.entity})`, undefined);
    }
    for (const next of Object.keys(m.nextKeys ?? {})) {
      if (!(next in m.schemas)) add(`tables.${t}.nextKeys.${next}`, `a next table named in tables.${t}.schemas (${Object.keys(m.schemas).join(', ') || 'none'})`, next);
    }
  }
  return issues;
}

function resolveTable(name: string, m: ConfigShape['tables'][string], entityRoots: ReadonlyMap<string, string>): ResolvedTable {
  const key = typeof m.key === 'string' ? [m.key] : [...m.key];
  const entity = m.entity ?? entityRoots.get(name);
  let entityKey: ((row: unknown) => unknown) | undefined;
  let entityKeySource: string | undefined;
  const entityKeyColumn = typeof m.entityKey === 'string' ? m.entityKey : undefined;
  if (typeof m.entityKey === 'function') { entityKey = m.entityKey as (row: unknown) => unknown; entityKeySource = 'function'; }
  else if (typeof m.entityKey === 'string') { const col = m.entityKey; entityKey = (row) => (row as Record<string, unknown>)[col]; entityKeySource = col; }
  else if (entity !== undefined) {
    // the root table: the entity key is the table's key
    entityKey = key.length === 1 ? (row) => (row as Record<string, unknown>)[key[0]!] : (row) => key.map((k) => (row as Record<string, unknown>)[k]);
    entityKeySource = `key (${key.join(', ')})`;
  }
  return {
    name, key,
    ...(entity !== undefined ? { entity } : {}),
    ...(entityKey ? { entityKey, entityKeySource: entityKeySource! } : {}),
    ...(entityKeyColumn !== undefined ? { entityKeyColumn } : {}),
    clean: (m.clean ?? []).map((s, i) => toStep(s as CleaningStepLike, i)),
    ...(m.row ? { row: m.row as AnySchema } : {}),
    to: m.to as ResolvedTable['to'],
    schemas: m.schemas as Record<string, AnySchema>,
    nextKeys: m.nextKeys ?? {},
    ...(m.onDelete ? { onDelete: { set: m.onDelete.set } } : {}),
  };
}

/**
 * Validates a loaded config object and resolves defaults. Throws ConfigValidationError listing every problem, each
 * with the path of the bad field, what was expected and what was found.
 */
export function resolveConfig(input: unknown, options: { file?: string; baseDir?: string } = {}): ResolvedConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigValidationError(issuesFromZod(parsed.error, input), options.file);
  const c = parsed.data;
  const cross = crossCheck(c);
  if (cross.length > 0) throw new ConfigValidationError(cross, options.file);
  const roots = new Map(Object.entries(c.entities ?? {}).map(([e, d]) => [d.root, e]));
  const tables: Record<string, ResolvedTable> = {};
  for (const [name, m] of Object.entries(c.tables)) tables[name] = resolveTable(name, m, roots);
  const base = options.baseDir;
  let analysis;
  try { analysis = c.analysis ? parseAnalysisConfig(c.analysis) : undefined; } catch (e) {
    if (e instanceof AnalysisConfigError) throw new ConfigValidationError(e.issues, options.file);
    throw e;
  }
  return {
    name: c.name,
    ...(options.file ? { file: options.file } : {}),
    legacy: { ...c.legacy, db: anchorSqlite(c.legacy.db, base) },
    next: { ...c.next, db: anchorSqlite(c.next.db, base) },
    state: anchorSqlite(c.state ?? DEFAULT_STATE, base),
    log: anchorSqlite(c.log ?? DEFAULT_LOG, base),
    entities: c.entities ?? {},
    tables,
    ...(c.admin ? { admin: { ...c.admin, ...(c.admin.tokenFile ? { tokenFile: base ? resolvePath(base, c.admin.tokenFile) : c.admin.tokenFile } : {}) } } : {}),
    ...(c.start ? { start: c.start } : {}),
    // steps increasing, gates among the steps: checks zod's shape cannot express, with the field's path
    ...(analysis ? { analysis } : {}),
  };
}
