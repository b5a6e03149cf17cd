/**
 * `npm run billing:traffic -- --target URL --rate R --duration S --users U --seed S [--customers N] [--json]`
 * Open-loop, seeded read/write traffic by many users with stable ids (X-User-Id).
 */
import { Command, InvalidArgumentError } from 'commander';
import { formatTrafficSummary, runTraffic, TrafficOptionsError } from './traffic/run-traffic.js';

const number = (name: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return n;
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('billing:traffic')
    .description('Drive realistic traffic at a billing app or the gateway in front of it')
    .requiredOption('--target <url>', 'base URL, e.g. http://127.0.0.1:8080')
    .option('--rate <r>', 'requests per second', number('--rate'), 50)
    .option('--duration <s>', 'seconds', number('--duration'), 10)
    .option('--users <u>', 'distinct users (X-User-Id)', number('--users'), 200)
    .option('--seed <s>', 'PRNG seed', '1')
    .option('--customers <n>', 'customer ids are 1..N', number('--customers'), 1000)
    .option('--json', 'print the summary as one JSON object', false)
    .exitOverride();
  try { program.parse(argv); } catch { return 2; }
  const o = program.opts<{ target: string; rate: number; duration: number; users: number; seed: string; customers: number; json: boolean }>();
  try {
    const s = await runTraffic({ target: o.target, rate: o.rate, durationS: o.duration, users: o.users, seed: o.seed, customers: o.customers });
    process.stdout.write(`${o.json ? JSON.stringify(s) : formatTrafficSummary(s)}\n`);
    return s.completed > 0 ? 0 : 1;
  } catch (e) {
    process.stderr.write(`billing:traffic: ${(e as Error).message}\n`);
    return e instanceof TrafficOptionsError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv);
