import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { loadConfig } from '../../src/config/load.js';
import { STARTER_CONFIG } from '../../src/config/starter.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'siphon-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('siphon init', () => {
  const target = join(dir, 'project');
  const file = join(target, 'siphon.config.ts');

  it('writes the commented starter config, creating the folder', async () => {
    const r = await runCli(['init', '--dir', target]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(STARTER_CONFIG);
    expect(STARTER_CONFIG).toContain("import { defineMigration, z, clean } from 'siphon';");
  });

  it('refuses to overwrite without --force, overwrites with it', async () => {
    writeFileSync(file, '// mine\n');
    const refused = await runCli(['init', '--dir', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already exists');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('// mine\n');
    const forced = await runCli(['init', '--dir', target, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(STARTER_CONFIG);
  });

  it('a --dir below a file is a clear error (exit 1), creating nothing', async () => {
    const r = await runCli(['init', '--dir', join(file, 'sub')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`siphon: cannot write ${join(file, 'sub', 'siphon.config.ts')}: ${file} is not a folder\n`);
  });

  it('the generated file loads and validates', async () => {
    const c = await loadConfig(file);
    expect(c.name).toBe('billing');
    expect(Object.keys(c.tables)).toEqual(['CLIENT', 'FACTURE']);
    expect(c.tables.FACTURE!.entity).toBe('customer');
    expect(c.tables.CLIENT!.to({ CLI_ID: 1, NOM: 'A', CODE_PAYS: 'FR', EMAIL: null, STATUT: 'active' })).toEqual({
      customers: [{ id: 1, name: 'A', country: 'FR', email: null, status: 'active' }],
    });
  });

  it('the generated file is the type-checked fixture (npm run typecheck covers test/cli/fixtures/starter.config.ts)', () => {
    expect(readFileSync(join(ROOT, 'test', 'cli', 'fixtures', 'starter.config.ts'), 'utf8')).toBe(STARTER_CONFIG);
  });

  it('from outside the checkout, the real binary resolves `siphon` for the generated file (check names the unset variable, exit 2)', async () => {
    const env = { ...process.env };
    delete env.LEGACY_PASSWORD;
    delete env.NEXT_PASSWORD;
    const r = await exec(process.execPath, [join(ROOT, 'bin', 'siphon.js'), 'check', '-c', file, '--json'], { cwd: target, env })
      .then((x) => ({ ...x, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { exitCode: number; configErrors: { path: string; message: string }[] };
    expect(report.exitCode).toBe(2);
    expect(report.configErrors.map((e) => e.path)).toEqual(['legacy.db', 'next.db']);
    expect(report.configErrors[0]!.message).toBe('legacy.db: environment variable LEGACY_PASSWORD is not set (it is referenced in mysql://siphon_repl:***@127.0.0.1:3306/billing)');
  });
});
