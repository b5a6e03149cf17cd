import type { Database } from '../backends/types.js';
import { chunkKey } from '../backfill/table-copy.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Row, Value } from '../values/index.js';
import { fromPlain, keyToText, toPlain } from '../values/index.js';
import type { LogicalType } from '../values/logical-type.js';
import { AspireBadKeyError, AspireConfigError, AspireUnknownEntityError } from './errors.js';

/**
 * Which legacy rows make one entity (DESIGN.md "entity"): the root row, and in every table mapped to the entity the
 * rows whose entity-key column holds the root's key. Entity membership comes from the mappings' `entity` and
 * `entityKey` config; a member table whose entity key is a function cannot be read by key (only by a scan), so aspire
 * refuses it at start rather than scanning a table per call.
 */
export interface EntityTablePlan {
  /** The legacy table (= its name in captured records). */
  readonly table: string;
  /** The table's own key (what capture keys its changes by: evictions match on it). */
  readonly key: readonly string[];
  /** The column holding the entity key (the root: its key column). */
  readonly column: string;
}

export interface EntityPlan {
  readonly entity: string;
  readonly root: string;
  readonly rootColumn: string;
  readonly rootType: LogicalType;
  /** Root first, then the members in configuration order. */
  readonly tables: readonly EntityTablePlan[];
  /** `entities.E.migratedColumn`, when set. */
  readonly migratedColumn?: string;
}

/**
 * Every entity of the config, planned against legacy's catalog. An entity aspire cannot take (a member keyed by a
 * function, a composite root key...) does not stop the others, nor `siphon migrate`: calls for it answer ASPIRE_CONFIG.
 */
export async function planEntities(config: ResolvedConfig, legacy: Database): Promise<Map<string, EntityPlan | AspireConfigError>> {
  const plans = new Map<string, EntityPlan | AspireConfigError>();
  for (const entity of Object.keys(config.entities)) {
    try { plans.set(entity, await planEntity(config, legacy, entity)); } catch (e) {
      if (e instanceof AspireConfigError) plans.set(entity, e); else throw e;
    }
  }
  return plans;
}

async function planEntity(config: ResolvedConfig, legacy: Database, entity: string): Promise<EntityPlan> {
  {
    const def = config.entities[entity]!;
    const root = config.tables[def.root];
    if (!root) throw new AspireConfigError(`entities.${entity}.root names ${def.root}, which is not mapped`, { entity });
    if (root.key.length !== 1) throw new AspireConfigError(`aspire needs a single-column key on ${def.root}, the root of ${entity} (it has ${root.key.join(', ')})`, { entity });
    const rootInfo = await legacy.describeTable(def.root);
    const rootColumn = root.key[0]!;
    const rootType = rootInfo.columns.find((c) => c.name === rootColumn)?.type ?? 'text';
    const tables: EntityTablePlan[] = [{ table: def.root, key: chunkKey(rootInfo), column: rootColumn }];
    for (const t of Object.values(config.tables)) {
      if (t.entity !== entity || t.name === def.root) continue;
      if (!t.entityKeyColumn) {
        throw new AspireConfigError(`tables.${t.name}.entityKey is a function: aspire reads an entity's rows by a column (give entityKey: 'COLUMN')`, { entity, table: t.name });
      }
      tables.push({ table: t.name, key: chunkKey(await legacy.describeTable(t.name)), column: t.entityKeyColumn });
    }
    if (def.migratedColumn !== undefined && !rootInfo.columns.some((c) => c.name === def.migratedColumn)) {
      throw new AspireConfigError(`entities.${entity}.migratedColumn: ${def.root} has no column ${def.migratedColumn}`, { entity, column: def.migratedColumn });
    }
    return { entity, root: def.root, rootColumn, rootType, tables, ...(def.migratedColumn !== undefined ? { migratedColumn: def.migratedColumn } : {}) };
  }
}

export function planFor(plans: ReadonlyMap<string, EntityPlan | AspireConfigError>, entity: string): EntityPlan {
  const p = plans.get(entity);
  if (!p) throw new AspireUnknownEntityError(entity, [...plans.keys()]);
  if (p instanceof AspireConfigError) throw p;
  return p;
}

/** The key as typed by a user or a URL → the root key value (typed as the root's key column). */
export function keyValue(plan: EntityPlan, text: string): Value {
  if (text.length === 0 || text.length > 512) throw new AspireBadKeyError(plan.entity, text.slice(0, 40), 'empty or longer than 512 characters');
  let v: Value;
  try { v = fromPlain(plan.rootType === 'text' ? text : text.trim(), plan.rootType); } catch (e) {
    throw new AspireBadKeyError(plan.entity, text, `not a value of ${plan.root}.${plan.rootColumn} (${plan.rootType}): ${(e as Error).message}`);
  }
  if (v === null) throw new AspireBadKeyError(plan.entity, text, 'a key cannot be NULL');
  return v;
}

/** The entity key as the ledger writes it (keyToText of the root's key: `int:42`). */
export function ledgerKey(v: Value): string {
  return keyToText([v]);
}

/** The entity key as legacy apps read it in `siphon_migrated` (`42`). */
export function plainKey(v: Value): string {
  const p = toPlain(v);
  return typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString('base64') : String(p);
}

/** The ledger key of the entity a row of `t` belongs to; null when its entity column is NULL. */
export function rowEntityKey(t: EntityTablePlan, row: Row): string | null {
  const v = row[t.column];
  return v === undefined || v === null ? null : ledgerKey(v);
}
