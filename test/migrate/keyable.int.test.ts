import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

// Issue 11 finding 5: a mapping key legacy does not declare unique and NOT NULL would let one legacy row overwrite
// another in next. migrate refuses it before anything moves (exit 2), naming the table, the key and what to do.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'siphon-keyable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (f: string) => join(dir, f);

function setup(name: string, legacyDdl: string, key: string): string {
  const legacy = new Sqlite(p(`${name}-legacy.sqlite`));
  legacy.exec(legacyDdl);
  legacy.exec(`INSERT INTO t (id, code, label) VALUES (1, 'A', 'one'), (2, 'A', 'two')`);
  legacy.close();
  const next = new Sqlite(p(`${name}-next.sqlite`));
  next.exec('CREATE TABLE n (code TEXT PRIMARY KEY, label TEXT)');
  next.close();
  const file = p(`${name}.config.ts`);
  writeFileSync(file, `import { defineMigration, z } from '${ROOT}src/index.js';
export default defineMigration({
  name: '${name}', legacy: { db: 'sqlite:${p(`${name}-legacy.sqlite`)}' }, next: { db: 'sqlite:${p(`${name}-next.sqlite`)}' },
  state: 'sqlite:${p(`${name}-state.sqlite`)}', log: 'sqlite:${p(`${name}-log.sqlite`)}',
  tables: { t: { key: '${key}', to: (r) => ({ n: [{ code: r.code, label: r.label }] }), schemas: { n: z.object({ code: z.string(), label: z.string() }) } } },
});
`);
  return file;
}

const nextRows = (name: string) => {
  const db = new Sqlite(p(`${name}-next.sqlite`), { readonly: true });
  try { return db.prepare('SELECT COUNT(*) AS n FROM n').get() as { n: number }; } finally { db.close(); }
};

describe('siphon migrate refuses mapping keys that cannot tell legacy rows apart', () => {
  it('a key that is not declared unique: exit 2, the reason and the fix, nothing written to next', async () => {
    const cfg = setup('dup', 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT, label TEXT)', 'code');
    const r = await runCli(['migrate', '-c', cfg, '--until-done', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tables\.t\.key \(code\) is neither the primary key nor a unique key of legacy t: two rows could share it/);
    expect(nextRows('dup').n).toBe(0);
  });

  it('a unique key that allows NULL: exit 2, naming the nullable column', async () => {
    const cfg = setup('nul', 'CREATE TABLE t (id INTEGER, code TEXT, label TEXT, UNIQUE (id))', 'id');
    const r = await runCli(['migrate', '-c', cfg, '--until-done', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tables\.t\.key \(id\): column\(s\) id allow NULL/);
    expect(nextRows('nul').n).toBe(0);
  });
});
