/**
 * What apply needs to know about each next table a mapping writes to: its key (the config's `nextKeys` or the
 * primary key), its columns, and the order of tables by foreign keys (parents first) so that a batch writes
 * parents before children and deletes children before parents.
 */
import type { ColumnInfo, Database, ForeignKeyInfo, TableInfo } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { ApplyConfigError } from './errors.js';

export interface NextTable {
  readonly name: string;
  readonly info: TableInfo;
  readonly key: readonly string[];
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  /** Foreign keys to other next tables written by the mappings (self references left out: one row cannot wait for itself). */
  readonly parents: readonly ForeignKeyInfo[];
  /** Position in parent-first order. */
  readonly rank: number;
}

export interface NextTables {
  readonly byName: ReadonlyMap<string, NextTable>;
  /** TableInfo per next table, for mapRow's strict write check. */
  readonly infos: Readonly<Record<string, TableInfo>>;
  /** Parent-first order. */
  readonly order: readonly string[];
  /**
   * The self-keyed source of each next table: the first mapping (by name) whose schemas write it. A row of table T
   * whose key text equals the legacy key text of the row of selfSource(T) producing it is self-keyed: its owner is
   * implied (that legacy row, when its stored `produced` lists it), so no lineage line is written for it.
   */
  readonly selfSource: ReadonlyMap<string, string>;
}

/** Introspects every next table named in the mappings' schemas. Throws ApplyConfigError when one has no key. */
export async function loadNextTables(next: Database, config: Pick<ResolvedConfig, 'tables'>): Promise<NextTables> {
  const names = new Set<string>();
  const explicit = new Map<string, readonly string[]>();
  for (const t of Object.values(config.tables)) {
    for (const n of Object.keys(t.schemas)) names.add(n);
    for (const [n, k] of Object.entries(t.nextKeys)) explicit.set(n, k);
  }
  const selfSource = new Map<string, string>();
  for (const t of Object.values(config.tables).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    for (const n of Object.keys(t.schemas)) if (!selfSource.has(n)) selfSource.set(n, t.name);
  }
  const infos: Record<string, TableInfo> = {};
  for (const n of names) infos[n] = await next.describeTable(n, { fresh: true });
  const order = parentFirst(infos);
  const byName = new Map<string, NextTable>();
  order.forEach((n, rank) => {
    const info = infos[n]!;
    const key = explicit.get(n) ?? (info.primaryKey.length > 0 ? info.primaryKey : notNullUnique(info));
    if (!key || key.length === 0) {
      throw new ApplyConfigError(`next table ${n} has no primary key and no NOT NULL unique key: give its key in the mapping's nextKeys.${n}`, { table: n });
    }
    const columns = new Map(info.columns.map((c) => [c.name, c]));
    for (const k of key) if (!columns.has(k)) throw new ApplyConfigError(`next table ${n}: key column ${k} does not exist (columns: ${[...columns.keys()].join(', ')})`, { table: n, column: k });
    const parents = (info.foreignKeys ?? []).filter((f) => f.refTable !== n && f.refTable in infos);
    byName.set(n, { name: n, info, key, columns, parents, rank });
  });
  return { byName, infos, order, selfSource };
}

/**
 * For each mapped legacy table, the other mapped tables whose next rows its next rows reference (next's foreign
 * keys): what the backfill copies first (`BackfillTableSpec.after`), so that child chunks find their parents in next.
 */
export function backfillOrder(config: Pick<ResolvedConfig, 'tables'>, tables: NextTables): Map<string, string[]> {
  const writers = new Map<string, string[]>();
  for (const [name, t] of Object.entries(config.tables)) for (const n of Object.keys(t.schemas)) (writers.get(n) ?? writers.set(n, []).get(n)!).push(name);
  const out = new Map<string, string[]>();
  for (const [name, t] of Object.entries(config.tables)) {
    const deps = new Set<string>();
    for (const n of Object.keys(t.schemas)) {
      for (const fk of tables.byName.get(n)?.parents ?? []) for (const w of writers.get(fk.refTable) ?? []) if (w !== name) deps.add(w);
    }
    out.set(name, [...deps].sort());
  }
  return out;
}

function notNullUnique(info: TableInfo): readonly string[] | undefined {
  return info.uniqueKeys.find((k) => k.every((c) => info.columns.find((x) => x.name === c)?.nullable === false));
}

/** Topological order by foreign keys (parents first); a cycle keeps the remaining tables in name order. */
export function parentFirst(infos: Readonly<Record<string, TableInfo>>): string[] {
  const names = Object.keys(infos).sort();
  const out: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (done.has(n) || visiting.has(n)) return; // a cycle: order inside it cannot be satisfied by ordering alone
    visiting.add(n);
    for (const f of infos[n]?.foreignKeys ?? []) if (f.refTable !== n && f.refTable in infos) visit(f.refTable);
    visiting.delete(n);
    done.add(n);
    out.push(n);
  };
  for (const n of names) visit(n);
  return out;
}
