import type pg from 'pg';
import { StateMigrationError, StateSchemaTooNewError } from '../errors.js';
import { planMigrations, type Migration } from '../migrations/index.js';

/**
 * Brings the schema to the code's version in one transaction. A transaction-scoped advisory lock (keyed by schema)
 * serialises concurrent openers, including the CREATE SCHEMA IF NOT EXISTS that would otherwise race; the lock goes
 * away with the transaction, even if the process dies.
 */
export async function migratePostgres(
  client: pg.PoolClient, schema: string, location: string, migrations: readonly Migration[],
): Promise<number> {
  const s = `"${schema}"`;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`siphon_state:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      id integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = (await client.query<{ id: number }>(`SELECT id FROM ${s}.schema_migrations`)).rows.map((r) => r.id);
    const { pending, unknown } = planMigrations(migrations, applied);
    const codeVersion = Math.max(0, ...migrations.map((m) => m.id));
    if (unknown.length > 0) throw new StateSchemaTooNewError(location, Math.max(...applied), codeVersion, unknown);
    if (pending.length > 0) await client.query(`SET LOCAL search_path TO ${s}`);
    for (const m of pending) {
      try {
        await client.query(m.postgres);
      } catch (e) {
        throw new StateMigrationError(location, m.id, m.description, e);
      }
      await client.query(`INSERT INTO ${s}.schema_migrations (id, description) VALUES ($1, $2)`, [m.id, m.description]);
    }
    await client.query('COMMIT');
    return codeVersion;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
