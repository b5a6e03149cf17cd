import type Database from 'better-sqlite3';
import { StateMigrationError, StateSchemaTooNewError } from '../errors.js';
import { planMigrations, type Migration } from '../migrations/index.js';

/**
 * Brings the store to the code's schema version. BEGIN IMMEDIATE takes SQLite's write lock before reading
 * `schema_migrations`, so a second process opening at the same time waits (busy timeout) and then finds nothing to do.
 */
export function migrateSqlite(db: Database.Database, location: string, migrations: readonly Migration[]): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = (db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id);
    const { pending, unknown } = planMigrations(migrations, applied);
    const codeVersion = Math.max(0, ...migrations.map((m) => m.id));
    if (unknown.length > 0) throw new StateSchemaTooNewError(location, Math.max(...applied), codeVersion, unknown);
    const record = db.prepare('INSERT INTO schema_migrations (id, description, applied_at) VALUES (?, ?, ?)');
    for (const m of pending) {
      try {
        db.exec(m.sqlite);
      } catch (e) {
        throw new StateMigrationError(location, m.id, m.description, e);
      }
      record.run(m.id, m.description, Date.now());
    }
    db.exec('COMMIT');
    return codeVersion;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
