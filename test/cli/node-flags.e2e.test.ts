import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// plain JavaScript (bin/siphon.js reads it before tsx is loaded)
import { flagsCommand, missingNodeFlags } from '../../bin/node-flags.js';

// `siphon verify` runs with a larger young generation: the CLI starts itself again with the V8 flag (bin/node-flags.js).
// The re-executed process must be the command: the flag set, the exit code and signals passed through.
const bin = resolve('bin/siphon.js');
const flagsModule = pathToFileURL(resolve('bin/node-flags.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'siphon-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A script that re-executes itself as the CLI does, then prints its V8 flags and acts per argv. */
const script = join(dir, 'child.mjs');
writeFileSync(script, `
import { endAs, missingNodeFlags, reexecWithFlags, watchParent } from ${JSON.stringify(flagsModule)};
const flags = missingNodeFlags('verify');
if (flags.length) endAs(await reexecWithFlags(flags, ${JSON.stringify(script)}, process.argv.slice(2)));
else {
  watchParent();
  if (process.argv[2] === 'wait') { process.on('SIGTERM', () => process.exit(7)); setInterval(() => {}, 1000); }
  else process.exitCode = 5;
  console.log(JSON.stringify(process.execArgv)); // after the handler: the test signals once it reads this

}
`);

describe('V8 flags of the CLI (bin/node-flags.js)', () => {
  it('verify asks for a 64 MB semi-space unless the user set one (argv or NODE_OPTIONS, either spelling) or debugs; other commands none', () => {
    expect(missingNodeFlags('verify', [], '')).toEqual(['--max-semi-space-size=64']);
    expect(missingNodeFlags('verify', ['--max-semi-space-size=16'], '')).toEqual([]);
    expect(missingNodeFlags('verify', [], '--inspect --max_semi_space_size=8')).toEqual([]);
    expect(missingNodeFlags('verify', ['--max-old-space-size=4096'], undefined)).toEqual(['--max-semi-space-size=64']);
    expect(missingNodeFlags('verify', ['--inspect-brk'], '')).toEqual([]);
    expect(missingNodeFlags('migrate', [], '')).toEqual([]);
    expect(missingNodeFlags(undefined, [], '')).toEqual([]);
  });

  it('gateway start runs without the memory reducer: one process is re-executed, a cluster\'s primary passes the flag to its workers', () => {
    expect(flagsCommand(['verify', '-c', 'x'])).toBe('verify');
    expect(flagsCommand(['gateway', 'start', '--port', '1'])).toBe('gateway');
    expect(flagsCommand(['gateway', 'start', '--workers', '1'])).toBe('gateway');
    expect(flagsCommand(['gateway', 'start', '--workers', '2'])).toBeUndefined();
    expect(flagsCommand(['gateway', 'start', '--workers=3'])).toBeUndefined();
    expect(flagsCommand(['gateway', 'start', '--workers', '4', '--workers', '1'])).toBe('gateway'); // the last one wins
    expect(flagsCommand(['gateway', 'status'])).toBeUndefined();
    expect(flagsCommand(['migrate', '-c', 'x'])).toBeUndefined();
    expect(flagsCommand([])).toBeUndefined();
    expect(missingNodeFlags('gateway', [], '')).toEqual(['--no-memory-reducer']);
    expect(missingNodeFlags('gateway', ['--import', 'tsx'], '')).toEqual(['--no-memory-reducer']);
    // a choice the user made wins, in either spelling, on the command line or in NODE_OPTIONS
    expect(missingNodeFlags('gateway', ['--memory-reducer'], '')).toEqual([]);
    expect(missingNodeFlags('gateway', ['--no-memory-reducer'], '')).toEqual([]);
    expect(missingNodeFlags('gateway', [], '--memory_reducer')).toEqual([]);
  });

  it('the re-executed process has the flag, and its exit code is the command\'s', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(JSON.parse(r.stdout.trim())).toContain('--max-semi-space-size=64');
    expect(r.status).toBe(5);
  });

  it('a SIGTERM sent to the command reaches the re-executed process (which ends as it chooses)', async () => {
    const child = spawn(process.execPath, [script, 'wait'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    expect(code).toBe(7);
  });

  it('siphon verify through bin/siphon.js: a usage error is still exit 2 with its message', () => {
    const r = spawnSync(process.execPath, [bin, 'verify', '-c', join(dir, 'missing.config.ts')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing.config.ts');
  });
});
