import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'siphon-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BODY = `
export default defineMigration({
  name: 'm',
  legacy: { db: 'sqlite:legacy.sqlite', timezone: 'Europe/Paris' },
  next: { db: 'sqlite:/abs/next.sqlite' },
  tables: {
    CLIENT: {
      key: 'ID',
      clean: [clean.trim(), clean.codeMap('S', { 1: 'a' })],
      to: (row) => ({ customers: [{ id: Number(row.ID) }] }),
      schemas: { customers: z.object({ id: z.number() }) },
    },
  },
});
`;
const TS_IMPORT = `import { defineMigration, z, clean } from 'siphon';\n`;

function write(sub: string, name: string, text: string, pkgType?: 'module'): string {
  const d = join(dir, sub);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  if (pkgType) writeFileSync(join(d, 'package.json'), JSON.stringify({ type: pkgType }));
  const f = join(d, name);
  writeFileSync(f, text);
  return f;
}

async function loadError(file: string): Promise<ConfigError> {
  try { await loadConfig(file); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return e as ConfigError; }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it.each([
    ['ts-esm', 'siphon.config.ts', 'module'],
    ['ts-cjs', 'siphon.config.ts', undefined], // no "type": "module": tsx compiles it to CommonJS
    ['mts', 'siphon.config.mts', undefined],
    ['js', 'siphon.config.js', 'module'],
    ['mjs', 'siphon.config.mjs', undefined],
  ] as const)('loads a %s config that imports from siphon', async (sub, name, type) => {
    const f = write(sub, name, TS_IMPORT + BODY, type);
    const c = await loadConfig(f);
    expect(c.name).toBe('m');
    expect(c.file).toBe(f);
    // relative sqlite paths are anchored at the config's folder; absolute ones are kept
    expect(c.legacy.db).toBe(`sqlite:${join(dir, sub, 'legacy.sqlite')}`);
    expect(c.next.db).toBe('sqlite:/abs/next.sqlite');
    expect(c.tables.CLIENT!.clean.map((s) => s.kind)).toEqual(['trim', 'codeMap']);
    expect(c.tables.CLIENT!.to({ ID: 3 })).toEqual({ customers: [{ id: 3 }] });
  });

  it('picks up an edited file on the next load', async () => {
    const f = write('edit', 'siphon.config.mts', TS_IMPORT + BODY);
    expect((await loadConfig(f)).name).toBe('m');
    writeFileSync(f, TS_IMPORT + BODY.replace("name: 'm'", "name: 'm2'"));
    expect((await loadConfig(f)).name).toBe('m2');
  });

  it('missing file', async () => {
    const e = await loadError(join(dir, 'nope.ts'));
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.message).toContain('file not found');
  });

  it('unsupported extension', async () => {
    const e = await loadError(write('json', 'siphon.config.json', '{}'));
    expect(e.code).toBe('CONFIG_UNSUPPORTED_FILE');
    expect(e.message).toContain('expected one of .ts, .mts, .js, .mjs');
  });

  it('syntax error', async () => {
    const e = await loadError(write('syntax', 'siphon.config.ts', 'export default { name: ', 'module'));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.message).toMatch(/syntax error/);
  });

  it('no default export', async () => {
    const e = await loadError(write('nodefault', 'siphon.config.mjs', 'export const config = {};'));
    expect(e.code).toBe('CONFIG_NO_DEFAULT_EXPORT');
    expect(e.message).toContain('export default defineMigration');
  });

  it('an exception while importing', async () => {
    const e = await loadError(write('throws', 'siphon.config.mts', "throw new Error('no way');\nexport default {};"));
    expect(e.code).toBe('CONFIG_IMPORT');
    expect(e.message).toContain('no way');
  });

  it('an invalid shape names the field', async () => {
    const e = await loadError(write('shape', 'siphon.config.mts', TS_IMPORT + BODY.replace("db: 'sqlite:legacy.sqlite'", 'db: 42')));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues.map((i) => i.path)).toEqual(['legacy.db']);
    expect(e.message).toContain('legacy.db: expected a connection URL string');
  });

  it('a default export may be an (async) factory of the config', async () => {
    const f = write('factory', 'siphon.config.mts', TS_IMPORT + BODY.replace('export default defineMigration({', 'export default async () => defineMigration({').replace(/\}\);\s*$/, '});\n'));
    expect((await loadConfig(f)).name).toBe('m');
    const bad = write('factory-bad', 'siphon.config.mjs', "export default async () => { throw new Error('vault sealed'); };");
    const e = await loadError(bad);
    expect(e.code).toBe('CONFIG_IMPORT');
    expect(e.message).toContain('vault sealed');
  });
});
