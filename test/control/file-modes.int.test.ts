import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/open.js';
import { openStateStore } from '../../src/state/open.js';

const dir = mkdtempSync(join(tmpdir(), 'siphon-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (f: string) => statSync(f).mode & 0o777;

describe('files Siphon creates', () => {
  it('creates the SQLite state store 0600 (its WAL and shared-memory files too) in a 0700 folder', async () => {
    const old = process.umask(0o022); // the usual umask: SQLite alone would give 0644
    try {
      const path = join(dir, 'new', 'state.sqlite');
      const store = await openStateStore(`sqlite:${path}`);
      await store.setSetting('k', 1);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      expect(mode(join(dir, 'new'))).toBe(0o700);
      await store.close();
    } finally { process.umask(old); }
  });

  it('creates the SQLite log file 0600', async () => {
    const old = process.umask(0o022);
    try {
      const path = join(dir, 'log.sqlite');
      const log = await openLog(`sqlite:${path}`);
      expect(mode(path)).toBe(0o600);
      await log.close();
    } finally { process.umask(old); }
  });
});
