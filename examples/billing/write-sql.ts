/**
 * Writes the DDL files rendered from the TS schema descriptions, for readers and for tools that want plain SQL:
 * legacy/schema.{mysql,sqlite}.sql and next/schema.{postgres,sqlite}.sql. A unit test fails when they drift.
 *   npx tsx examples/billing/write-sql.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { legacyDdl } from './legacy/schema.js';
import { nextDdl } from './next/schema.js';

export function sqlFiles(): Record<string, string> {
  const render = (title: string, statements: string[]) => `-- ${title}\n-- Generated from the TS description by examples/billing/write-sql.ts: do not edit by hand.\n\n${statements.map((s) => `${s};\n`).join('\n')}`;
  return {
    'legacy/schema.mysql.sql': render('Legacy billing schema, MariaDB/MySQL', legacyDdl('mysql')),
    'legacy/schema.sqlite.sql': render('Legacy billing schema, SQLite', legacyDdl('sqlite')),
    'next/schema.postgres.sql': render('Next billing schema, PostgreSQL (foreign keys off, see next/schema.ts)', nextDdl('postgres')),
    'next/schema.sqlite.sql': render('Next billing schema, SQLite (foreign keys off, see next/schema.ts)', nextDdl('sqlite')),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(sqlFiles())) writeFileSync(new URL(path, import.meta.url), text);
}
