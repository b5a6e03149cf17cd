import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runCli } from '../cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'siphon-start-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  name: 'x', legacy: { db: 'sqlite:legacy.sqlite' }, next: { db: 'sqlite:next.sqlite' },
  tables: { T: { key: 'ID', to: () => ({}), schemas: {} } },
};

describe('the start section of the config', () => {
  it('is optional, and kept as written when valid', () => {
    expect(resolveConfig(base).start).toBeUndefined();
    const start = { roles: ['migrate'], health: { port: 9464, host: '0.0.0.0' }, restart: { initialMs: 200, maxMs: 5000 }, tracing: { endpoint: 'http://otel:4318', sampleRatio: 0.1 }, logs: { redact: ['email'] } };
    expect(resolveConfig({ ...base, start }).start).toEqual(start);
  });

  it('says which field is wrong, what it expects and what it found', () => {
    const bad = (start: unknown) => { try { resolveConfig({ ...base, start }); return ''; } catch (e) { return (e as Error).message; } };
    expect(bad({ roles: ['gateway', 'admin'] })).toMatch(/start\.roles\[1\].*one of gateway, migrate, control/);
    expect(bad({ health: { port: 70000 } })).toMatch(/start\.health\.port.*port number from 0 to 65535/);
    expect(bad({ restart: { initialMs: 5000, maxMs: 100 } })).toMatch(/start\.restart.*initialMs no larger than maxMs/);
    expect(bad({ tracing: { endpoint: 'collector:4318' } })).toMatch(/start\.tracing\.endpoint.*http:\/\/ or https:\/\//);
    expect(bad({ tracing: { endpoint: 'http://c', sampleRatio: 2 } })).toMatch(/start\.tracing\.sampleRatio.*from 0 to 1/);
    expect(bad({ helth: {} })).toMatch(/start\.helth: unknown key \(did you mean "health"\?\)/);
  });
});

describe('siphon start usage errors', () => {
  const config = join(dir, 'siphon.config.ts');
  writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
export default defineMigration({ name: 'u', legacy: { db: 'sqlite:${join(dir, 'l.sqlite')}' }, next: { db: 'sqlite:${join(dir, 'n.sqlite')}' },
  tables: { T: { key: 'ID', to: () => ({}), schemas: {} } }, start: { health: { port: 0 } } });
`);
  const openTokensConfig = join(dir, 'open-tokens.config.ts');
  writeFileSync(openTokensConfig, `import { defineMigration } from '${ROOT}src/config/define.js';
export default defineMigration({ name: 'u', legacy: { db: 'sqlite:${join(dir, 'l.sqlite')}' }, next: { db: 'sqlite:${join(dir, 'n.sqlite')}' },
  admin: { port: 0, tokenFile: '${join(dir, 'open-tokens')}' },
  tables: { T: { key: 'ID', to: () => ({}), schemas: {} } }, start: { health: { port: 0 } } });
`);

  it('exit 2 with a clear message: an unknown role, a bad port, the gateway role without HTTP origins, the control role with an admin token file others may read', async () => {
    const role = await runCli(['start', '-c', config, '--role', 'admin']);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role.*admin.*gateway, migrate, control/s);
    const port = await runCli(['start', '-c', config, '--health-port', 'x']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('port number');
    const gw = await runCli(['start', '-c', config, '--role', 'gateway']);
    expect(gw.code).toBe(2);
    expect(gw.stderr).toContain('legacy.http: the gateway role needs the legacy HTTP origin');
    const tokens = join(dir, 'open-tokens');
    writeFileSync(tokens, 'operator ops@test op-token-0123456789abcdef0123\n', { mode: 0o644 });
    chmodSync(tokens, 0o644);
    const control = await runCli(['start', '-c', openTokensConfig, '--role', 'control']);
    expect(control.code).toBe(2);
    expect(control.stderr).toContain(`admin token file ${tokens}: readable by group or others`);
    for (const r of [role, port, gw, control]) expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--help names the roles and the health endpoints', async () => {
    const help = await runCli(['start', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--role <role>/);
    expect(help.stdout).toMatch(/\/healthz, \/readyz/);
  });
});
