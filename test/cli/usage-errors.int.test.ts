import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// Finding 12 of issue 11: usage errors exit 2 everywhere, with a message saying what is wrong and no stack trace.
describe('usage errors exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['state status, an unsupported --state URL', ['state', 'status', '--state', 'redis://x'], /unsupported connection URL|not supported/],
    ['state status, a MariaDB --state URL', ['state', 'status', '--state', 'mysql://root@127.0.0.1/x'], /state store URL .* is not supported/],
    ['route set, an unsupported --state URL', ['route', 'set', 'a', '--mode', 'next', '--state', 'nope'], /unsupported connection URL|not supported/],
    ['route status, sqlite: with no path', ['route', 'status', '--state', 'sqlite:'], /a file path after sqlite:/],
    ['log stats, a MariaDB log URL', ['log', 'stats', '--log', 'mysql://root@127.0.0.1/x'], /MariaDB\/MySQL is not a log backend/],
    ['log stats, a bad NATS log name', ['log', 'stats', '--log', 'nats://127.0.0.1:4222/bad name!'], /log name|invalid/i],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await runCli(args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(2);
    });
  }
});
