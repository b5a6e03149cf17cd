import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/open.js';
import { openStateStore } from '../../src/state/open.js';
import { change } from '../log/logs.js';

// Finding 12 of issue 11: `siphon log tail | head -1` printed an EPIPE stack trace. Every command that prints must
// end quietly when its reader is gone. Run through a real shell pipe, as a user would.
const bin = resolve('bin/siphon.js');
let dir: string, logUrl: string, stateUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'siphon-pipe-'));
  logUrl = `sqlite:${join(dir, 'log.sqlite')}`;
  stateUrl = `sqlite:${join(dir, 'state.sqlite')}`;
  const log = await openLog(logUrl);
  // far more than a pipe's 64 KiB buffer, so `head -1` closes the pipe while tail is still writing
  for (let b = 0; b < 10; b++) await log.append(Array.from({ length: 500 }, (_, i) => change(b * 500 + i + 1, 'orders')));
  await log.close();
  const state = await openStateStore(stateUrl);
  await state.setRoutes([{ id: 'r', match: { path: '/x' }, mode: 'legacy' }], { actor: 'test' });
  await state.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `siphon ARGS | READER` in bash; returns siphon's exit status, its stderr and what the reader printed. */
function piped(args: string[], reader: string): { status: number; stderr: string; stdout: string } {
  const errFile = join(dir, `err-${Math.random().toString(36).slice(2)}`);
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" ${quoted} 2>"${errFile}" | ${reader}; echo "status=\${PIPESTATUS[0]}"`],
    { encoding: 'utf8', timeout: 60_000 });
  const status = Number(/status=(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  return { status, stderr: readFileSync(errFile, 'utf8'), stdout: r.stdout.replace(/status=\d+\n?$/, '') };
}

describe('a closed pipe ends a command quietly', () => {
  it('siphon log tail | head -1: one line, no stack trace, exit 0', () => {
    const r = piped(['log', 'tail', '--log', logUrl], 'head -1');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^1 {2}orders {2}insert/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  const printers: [string, string[]][] = [
    ['log tail --json', ['log', 'tail', '--json']],
    ['log replay --consumer print', ['log', 'replay', '--from', '1', '--consumer', 'print']],
    ['log stats', ['log', 'stats']],
    ['state status', ['state', 'status']],
    ['state audit', ['state', 'audit']],
    ['route status', ['route', 'status']],
    ['--help', ['--help']],
  ];
  for (const [name, args] of printers) {
    it(`${name} | true (reader gone before the first write): no stack trace, exit 0`, () => {
      const full = args[0] === 'log' ? [...args, '--log', logUrl] : args[0] === 'state' || args[0] === 'route' ? [...args, '--state', stateUrl] : args;
      const r = piped(full, 'true');
      expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(r.status).toBe(0);
    }, 60_000);
  }
});
