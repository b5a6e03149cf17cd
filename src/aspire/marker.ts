import type { Database } from '../backends/types.js';
import type { Row, Value } from '../values/index.js';
import { fromPlain } from '../values/index.js';
import type { EntityPlan } from './plan.js';

/**
 * "This entity has moved", written in legacy after a successful aspire so legacy apps can see who has moved.
 * Default: a line in `siphon_migrated` (created by Siphon in legacy when missing, idempotent: an upsert by
 * (entity, entity_key)). With `entities.E.migratedColumn`, that column of the root row is set instead (the time, or
 * true/1 for a boolean or integer column); that is a write to a captured table, so it also flows to next as a change.
 */
export const MIGRATED_TABLE = 'siphon_migrated';

export function migratedTableDdl(db: Database): string {
  const q = (n: string) => db.quoteIdent(n);
  return `CREATE TABLE IF NOT EXISTS ${q(MIGRATED_TABLE)} (${q('entity')} VARCHAR(100) NOT NULL, ${q('entity_key')} VARCHAR(191) NOT NULL, ` +
    `${q('version')} VARCHAR(191) NULL, ${q('trigger_by')} VARCHAR(40) NULL, ${q('migrated_at')} VARCHAR(32) NOT NULL, PRIMARY KEY (${q('entity')}, ${q('entity_key')}))`;
}

export interface MarkedEntity {
  /** The root key value. */
  readonly value: Value;
  /** As legacy apps read it (`42`). */
  readonly plain: string;
  readonly version: string;
  readonly trigger: string;
}

export class MigratedMarker {
  private ensured: Promise<void> | null = null;

  constructor(private readonly legacy: Database) {}

  /** Creates the side table when an entity uses it (once per process). */
  ensure(): Promise<void> {
    this.ensured ??= this.legacy.execute(migratedTableDdl(this.legacy)).catch((e: unknown) => { this.ensured = null; throw e; });
    return this.ensured;
  }

  /**
   * At the aspirer's start, in the background: the side table created and each marked table described, so the first
   * chunk's finalise does not pay for the DDL and the catalog reads (100–200 ms of the first chunk under load). A
   * failure is ignored here: the first mark tries again and reports it.
   */
  async warm(plans: readonly EntityPlan[]): Promise<void> {
    try {
      if (plans.some((p) => p.migratedColumn === undefined)) { await this.ensure(); await this.legacy.describeTable(MIGRATED_TABLE); }
      for (const p of plans) if (p.migratedColumn !== undefined) await this.legacy.describeTable(p.root);
    } catch { /* the first mark reports it */ }
  }

  /** Marks entities of one plan, in one statement per kind of marker. */
  async mark(plan: EntityPlan, entities: readonly MarkedEntity[]): Promise<void> {
    if (entities.length === 0) return;
    const at = new Date().toISOString();
    if (plan.migratedColumn === undefined) {
      await this.ensure();
      const rows: Row[] = entities.map((e) => ({ entity: plan.entity, entity_key: e.plain, version: e.version, trigger_by: e.trigger, migrated_at: at }));
      await this.legacy.upsert(MIGRATED_TABLE, ['entity', 'entity_key'], rows);
      return;
    }
    const info = await this.legacy.describeTable(plan.root);
    const col = info.columns.find((c) => c.name === plan.migratedColumn)!;
    const value: Value = col.type === 'bool' ? true : col.type === 'int' ? fromPlain(1, 'int') : col.type === 'text' ? at : fromPlain(at, col.type);
    const q = (n: string) => this.legacy.quoteIdent(n);
    // one UPDATE per entity: the adapters' `?` parameters take canonical values; a batch is a handful of keys
    for (const e of entities) {
      await this.legacy.execute(`UPDATE ${q(plan.root)} SET ${q(col.name)} = ? WHERE ${q(plan.rootColumn)} = ?`, [value, e.value]);
    }
  }
}
