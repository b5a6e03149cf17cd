import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATE_URL, openStateStore } from '../../src/state/open.js';
import { rejection } from './contract/context.js';

describe('openStateStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-state-open-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to an embedded SQLite file under .siphon/', () => {
    expect(DEFAULT_STATE_URL).toBe('sqlite:.siphon/state.sqlite');
  });

  it('creates missing folders for a SQLite store and migrates it', async () => {
    const s = await openStateStore(`sqlite:${join(dir, 'a', 'b', 'state.sqlite')}`);
    try {
      expect(s.kind).toBe('sqlite');
      expect(await s.schemaVersion()).toBeGreaterThanOrEqual(4);
    } finally { await s.close(); }
  });

  it('opens an in-memory store', async () => {
    const s = await openStateStore('sqlite::memory:');
    await s.setSetting('k', { v: 1 });
    expect(await s.getSetting('k')).toEqual({ v: 1 });
    await s.close();
  });

  it('refuses URLs of engines that cannot hold the state, redacting the password', async () => {
    const e = await rejection(openStateStore('mysql://root:topsecret@127.0.0.1/db'));
    expect(e.code).toBe('STATE_UNSUPPORTED_URL');
    expect(e.message).toContain('sqlite:PATH or postgres://');
    expect(e.message).not.toContain('topsecret');
    expect((await rejection(openStateStore('redis://x'))).message).toContain('unsupported connection URL');
  });

  it('reports a SQLite path that is not a database, naming it', async () => {
    const notDir = join(dir, 'file');
    writeFileSync(notDir, 'x');
    const e = await rejection(openStateStore(`sqlite:${join(notDir, 'state.sqlite')}`));
    expect(e.code).toBe('STATE_OPEN_FAILED');
    expect(e.message).toContain(notDir);
  });
});
