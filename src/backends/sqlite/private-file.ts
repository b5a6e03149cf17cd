import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates an empty file of mode 0600 (and its missing folders, 0700) unless it exists, so that SQLite opens a file
 * only its owner can read: the state store holds the route table and audit trail, the log every captured row. SQLite
 * itself would create it 0644 (umask permitting), and gives its -wal/-shm files the database file's permissions.
 * An existing file is left as it is: its owner chose its mode.
 */
export function ensurePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
