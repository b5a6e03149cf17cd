import type { TableInfo } from '../../backends/types.js';
import { compareSchema } from './compare.js';
import type { PlannedTable, SchemaPlan } from './plan.js';

const quote = (n: string) => `"${n.replace(/"/g, '""')}"`;

function createTable(t: PlannedTable): string {
  const width = Math.max(...t.columns.map((c) => quote(c.column.name).length + 1 + c.column.nativeType.length + (c.column.nullable ? 0 : 9)));
  const lines = t.columns.map((c) => {
    const def = `${quote(c.column.name)} ${c.column.nativeType}${c.column.nullable ? '' : ' NOT NULL'}`;
    return { def, comment: c.source };
  });
  if (t.primaryKey.length) lines.push({ def: `PRIMARY KEY (${t.primaryKey.map(quote).join(', ')})`, comment: '' });
  const body = lines.map((l, i) => {
    const text = `  ${l.def}${i < lines.length - 1 ? ',' : ''}`;
    return l.comment ? `${text.padEnd(width + 4)} -- ${l.comment}` : text;
  });
  return [`CREATE TABLE ${quote(t.name)} (`, ...body, ');'].join('\n');
}

/**
 * The DDL of a plan, as text to review: CREATE TABLE for next tables that do not exist, ADD COLUMN for columns a
 * table lacks (nullable: a NOT NULL column cannot be added to a table with rows without a default), and comments
 * for what DDL cannot safely fix (a column too narrow, a different type): those stay the user's decision.
 */
export function renderPlan(plan: SchemaPlan, existing: Readonly<Record<string, TableInfo>>, header: readonly string[] = []): { sql: string; statements: string[] } {
  const parts: string[] = [...header.map((h) => `-- ${h}`)];
  const statements: string[] = [];
  const mismatches = compareSchema(plan, existing);
  for (const t of plan.tables) {
    parts.push('', `-- ${t.name}: written by the mapping${t.from.length > 1 ? 's' : ''} of ${t.from.join(', ')}`);
    for (const n of t.notes) parts.push(`-- NOTE: ${n}`);
    if (!existing[t.name]) {
      const sql = createTable(t);
      statements.push(sql);
      parts.push(sql);
      continue;
    }
    for (const m of mismatches.filter((x) => x.table === t.name)) {
      if (m.kind === 'missing-column') {
        const c = t.columns.find((x) => x.column.name === m.column)!;
        const sql = `ALTER TABLE ${quote(t.name)} ADD COLUMN ${quote(c.column.name)} ${c.column.nativeType};`;
        statements.push(sql);
        parts.push(`${sql} -- ${c.source}`);
      } else parts.push(`-- mismatch (not changed): ${m.message}`);
    }
    if (!mismatches.some((x) => x.table === t.name)) parts.push(`-- ${t.name} exists and matches the mappings`);
  }
  if (statements.length === 0) parts.push('', '-- nothing to apply');
  return { sql: `${parts.join('\n')}\n`, statements };
}
