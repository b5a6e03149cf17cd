import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

// Flag checks happen before anything starts: a bad value is refused with the flag, the rule and the value given.
describe('siphon gateway start flags', () => {
  it.each(['1.5', '-0.1', 'abc', ''])('refuses --mirror-max-load %j', async (value) => {
    const r = await runCli(['gateway', 'start', '--legacy-http', 'http://127.0.0.1:1', '--next-http', 'http://127.0.0.1:2', '--mirror-max-load', value]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`--mirror-max-load must be a number from 0 to 1, got "${value}"`);
  });

  it.each([['--port', '70000'], ['--port', '-1'], ['--admin-port', '65536'], ['--admin-port', '80.5']])('refuses %s %s', async (flag, value) => {
    const r = await runCli(['gateway', 'start', '--legacy-http', 'http://127.0.0.1:1', '--next-http', 'http://127.0.0.1:2', flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag} must be a port number from 0 to 65535, got "${value}"`);
  });

  it('documents the shedding and budget defaults in --help', async () => {
    const r = await runCli(['gateway', 'start', '--help']);
    expect(r.stdout.replace(/\s+/g, " ")).toContain('--mirror-max-load <share> event-loop utilisation (0–1) above which mirror copies are shed (default 0.5; 0: never shed)');
    expect(r.stdout).toContain('--mirror-rate <n>');
  });
});
