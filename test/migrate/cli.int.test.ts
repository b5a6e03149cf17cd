import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { runCli } from '../cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'siphon-migrate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (f: string) => join(dir, f);

function writeConfig(): string {
  const file = p('siphon.config.ts');
  writeFileSync(file, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'cli', legacy: { db: 'sqlite:${p('legacy.sqlite')}', timezone: 'Europe/Paris' }, next: { db: 'sqlite:${p('next.sqlite')}' },
  state: 'sqlite:${p('state.sqlite')}', log: 'sqlite:${p('log.sqlite')}', entities: billingEntities, tables: billingTables(),
});
`);
  return file;
}

/** Plain SQL on the state store. */
const stateRows = (sql: string) => {
  const db = new Sqlite(p('state.sqlite'), { readonly: true });
  try { return db.prepare(sql).all() as Record<string, unknown>[]; } finally { db.close(); }
};

describe('siphon migrate, status, backfill pause|resume, reapply', () => {
  it('bad usage exits 2; status reads without creating; pause/resume are stored and audited; a queued re-apply is run by migrate', async () => {
    const config = writeConfig();
    expect((await runCli(['migrate', '-c', p('missing.config.ts')])).code).toBe(2);
    expect((await runCli(['migrate', '-c', config, '--chunk-size', '0'])).code).toBe(2);
    expect((await runCli(['migrate', '-c', config, '--method', 'carrier-pigeon'])).code).toBe(2);
    expect((await runCli(['reapply', '-c', config, '--table', 'NOPE'])).code).toBe(2);
    expect((await runCli(['reapply', '-c', config, '--table', 'LIGNE_FACT', '--keys', '1..2'])).stderr).toMatch(/needs 2 value\(s\) \(FAC_NUM, LIG_NO\)/);

    // nothing exists yet: status says so and creates nothing
    const before = await runCli(['status', '-c', config]);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/no state store .*has not run/);
    for (const f of ['state.sqlite', 'log.sqlite', 'next.sqlite', 'legacy.sqlite']) expect(existsSync(p(f)), f).toBe(false);
    expect((await runCli(['backfill', 'pause', '-c', config])).code).toBe(1);
    expect(existsSync(p('state.sqlite'))).toBe(false);

    await generateLegacy({ legacy: `sqlite:${p('legacy.sqlite')}`, customers: 30, seed: 3, dirty: 0.05, reset: true, progress: false });
    // next's own schema is the next system's: migrate refuses to run without it (bad configuration: exit 2)
    const noSchema = await runCli(['migrate', '-c', config, '--until-done', '--json']);
    expect(noSchema.code).toBe(2);
    expect(noSchema.stderr).toMatch(/next table\(s\) customers, contracts, invoices, invoice_lines, payments do not exist .*create the next system's schema first/);
    const next = await openDatabase(`sqlite:${p('next.sqlite')}`);
    for (const s of nextDdl('sqlite', { reset: true })) await next.execute(s);
    await next.close();
    const first = await runCli(['migrate', '-c', config, '--until-done', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(lines.at(-1)).toMatchObject({ event: 'stopped', stoppedBy: 'done' });

    const status = await runCli(['status', '-c', config]);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toMatch(/✔ CLIENT: legacy \d+ = migrated \d+ \+ quarantined \d+/);
    expect(status.stdout).toMatch(/apply "apply": checkpoint \S+ of \S+, caught up/);

    // pause / resume: the setting the backfill throttle reads, and the audit trail
    expect((await runCli(['backfill', 'pause', '-c', config, '--reason', 'month-end close', '--actor', 'ops'])).code).toBe(0);
    expect(JSON.parse(String(stateRows(`SELECT value AS v FROM settings WHERE key = 'backfill.pause'`)[0]?.['v']))).toMatchObject({ paused: true, reason: 'month-end close' });
    expect((await runCli(['backfill', 'resume', '-c', config, '--actor', 'ops'])).code).toBe(0);
    expect(JSON.parse(String(stateRows(`SELECT value AS v FROM settings WHERE key = 'backfill.pause'`)[0]?.['v']))).toMatchObject({ paused: false });
    expect(stateRows(`SELECT action FROM audit WHERE actor = 'ops' ORDER BY id`).map((r) => r['action'])).toEqual(['backfill.pause', 'backfill.resume']);

    // re-apply: queued by the CLI, run by the next migrate through the chunks (rows 5 < CLI_ID <= 12)
    const queued = await runCli(['reapply', '-c', config, '--table', 'CLIENT', '--keys', '5..12', '--json']);
    expect(queued.code, queued.stderr).toBe(0);
    const request = JSON.parse(queued.stdout) as { id: string };
    const again = await runCli(['migrate', '-c', config, '--until-done', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const done = stateRows(`SELECT subject, after_json AS a FROM audit WHERE action = 'reapply.done'`);
    expect(done.map((r) => r['subject'])).toEqual([request.id]);
    const legacy = new Sqlite(p('legacy.sqlite'), { readonly: true });
    const inRange = (legacy.prepare('SELECT COUNT(*) AS n FROM CLIENT WHERE CLI_ID > 5 AND CLI_ID <= 12').get() as { n: number }).n;
    legacy.close();
    expect(JSON.parse(String(done[0]!['a']))).toEqual({ rows: inRange });
    // a finished request is not run again
    const third = await runCli(['migrate', '-c', config, '--until-done', '--json']);
    expect(third.code).toBe(0);
    expect(stateRows(`SELECT COUNT(*) AS n FROM audit WHERE action = 'reapply.done'`)[0]!['n']).toBe(1);
  }, 240_000);
});
