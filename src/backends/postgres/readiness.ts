import type { CaptureReadiness } from '../types.js';
import type { CatalogQuery } from './introspect.js';

/**
 * Can changes be captured? Logical decoding (pgoutput) needs wal_level=logical, a role with REPLICATION (or a
 * superuser) and a free replication slot; trigger capture needs to create a change table and triggers in the schema.
 */
export async function postgresReadiness(q: CatalogQuery, schema: string): Promise<CaptureReadiness[]> {
  const [row] = await q(`SELECT current_setting('wal_level'), current_setting('max_replication_slots'),
      (SELECT count(*) FROM pg_replication_slots)::text, r.rolreplication::text, r.rolsuper::text, current_user::text,
      has_schema_privilege(current_user, $1, 'CREATE')::text, has_database_privilege(current_database(), 'CREATE')::text,
      current_setting('server_version')
    FROM pg_roles r WHERE r.rolname = current_user`, [schema]);
  const [wal, maxSlots, usedSlots, repl, superuser, user, schemaCreate, dbCreate, version] = row ?? [];
  const free = Number(maxSlots) - Number(usedSlots);
  const isSuper = superuser === 'true';
  const pg: string[] = [];
  if (wal !== 'logical') pg.push(`wal_level is ${wal}, logical decoding needs logical: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL`);
  if (repl !== 'true' && !isSuper) pg.push(`role ${user} lacks REPLICATION: ALTER ROLE ${user} WITH REPLICATION;`);
  if (free <= 0) pg.push(`no free replication slot (${usedSlots} of max_replication_slots=${maxSlots} in use): drop unused slots or raise max_replication_slots and restart`);
  if (dbCreate !== 'true' && !isSuper) pg.push(`role ${user} cannot create a publication in this database: GRANT CREATE ON DATABASE <db> TO ${user};`);
  const trig: string[] = [];
  if (schemaCreate !== 'true' && !isSuper) trig.push(`role ${user} cannot create the change table in schema ${schema}: GRANT CREATE ON SCHEMA ${schema} TO ${user};`);
  const noTrigger = (await q(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT has_table_privilege(c.oid, 'TRIGGER') ORDER BY c.relname`, [schema])).map((r) => r[0]!);
  if (noTrigger.length > 0) {
    const shown = noTrigger.slice(0, 10).join(', ') + (noTrigger.length > 10 ? ` and ${noTrigger.length - 10} more` : '');
    trig.push(`role ${user} may not create triggers on ${shown}: GRANT TRIGGER ON ALL TABLES IN SCHEMA ${schema} TO ${user};`);
  }
  const details = { walLevel: wal ?? null, maxReplicationSlots: Number(maxSlots), freeReplicationSlots: free, replicationRole: repl === 'true', superuser: isSuper, user: user ?? null, schema, serverVersion: version ?? null };
  return [
    { method: 'pgoutput', ready: pg.length === 0, problems: pg, details },
    { method: 'trigger', ready: trig.length === 0, problems: trig, details: { schema, createInSchema: schemaCreate === 'true' || isSuper, user: user ?? null } },
  ];
}
