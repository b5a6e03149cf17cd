/**
 * The captured-schema table a DDL statement changes, or null. Recognises ALTER/DROP/TRUNCATE/RENAME TABLE (the
 * statements that change the shape or the content of a table without row events), qualified or not, quoted or not.
 */
export function ddlTarget(statement: string, eventSchema: string, captured: string): string | null {
  const s = statement.replace(/\/\*.*?\*\//gs, ' ').trim();
  const m = /^(?:ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE|DROP\s+(?:TEMPORARY\s+)?TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?|RENAME\s+TABLE)\s+((?:`[^`]+`|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|[\w$]+))?)/i.exec(s);
  if (!m) return null;
  const parts = m[1]!.split('.').map((p) => p.trim().replace(/^`|`$/g, ''));
  const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : [eventSchema, parts[0]!];
  return schema === captured ? table : null;
}
