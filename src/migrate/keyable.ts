import type { Database } from '../backends/types.js';
import { isDeclaredUnique } from '../config/row-keys.js';
import type { ResolvedConfig } from '../config/types.js';
import { MigrateConfigError } from './errors.js';

/**
 * Apply names a legacy row by its mapping's key. A key legacy does not declare unique and NOT NULL could be shared by
 * several rows (or be NULL), and one row would then overwrite another in next: refused before anything moves, with
 * what to do (issue 11, finding 5). `siphon check --sample` reports the rows that actually share a key or hold a NULL.
 */
export async function requireKeyableMappings(legacy: Database, config: ResolvedConfig): Promise<void> {
  const problems: string[] = [];
  for (const t of Object.values(config.tables)) {
    const info = await legacy.describeTable(t.name);
    const key = `(${t.key.join(', ')})`;
    if (!isDeclaredUnique(info, t.key)) {
      problems.push(`tables.${t.name}.key ${key} is neither the primary key nor a unique key of legacy ${t.name}: two rows could share it and one would overwrite the other in next; name a primary or unique key`);
      continue;
    }
    const nullable = t.key.filter((k) => info.columns.find((c) => c.name === k)?.nullable ?? false);
    if (nullable.length > 0) {
      problems.push(`tables.${t.name}.key ${key}: column(s) ${nullable.join(', ')} allow NULL, and rows with a NULL key cannot be told apart; make them NOT NULL or name the primary key`);
    }
  }
  if (problems.length > 0) throw new MigrateConfigError(`cannot migrate: ${problems.join('; ')}`, { problems });
}
