/**
 * The SQLite log's tables. AUTOINCREMENT (not a plain rowid) so offsets deleted by retention are never handed out
 * again: a consumer's checkpoint must keep meaning the same entry forever.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS siphon_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  tbl TEXT NOT NULL,
  kind TEXT NOT NULL,
  op TEXT,
  record TEXT NOT NULL,
  appended_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS siphon_log_consumers (
  name TEXT PRIMARY KEY,
  seq INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS siphon_log_sources (
  source TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  seq INTEGER,
  updated_at INTEGER NOT NULL
);
`;
