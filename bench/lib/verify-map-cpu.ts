/**
 * tsx bench/lib/verify-map-cpu.ts [--rows N] [--reps R]
 *
 * CPU per row of verify's mapping alone (`Expecter.expect`: rowToPlain, mapRow — cleaning, to(), schemas — and the
 * conversion to canonical values), on the first N legacy rows of each billing table held in memory: no database in
 * the timed loop, so that an A/B of a mapping change is not drowned by a shared machine's I/O. Needs the databases of
 * `npm run bench:verify`. Prints µs per row per table (median of R repetitions, with min–max), then one JSON line.
 */
import { openDatabase } from '../../src/backends/open.js';
import { billingEntities, billingTables } from '../../examples/billing/mapping/tables.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { planTable } from '../../src/verify/table-plan.js';
import { MY_ADMIN_URL, PG_ADMIN_URL } from '../../test/support/services.js';
import type { Row, Value } from '../../src/values/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 50_000);
const REPS = arg('reps', 7);
const withDb = (url: string, db: string) => { const u = new URL(url); u.pathname = `/${db}`; return u.toString(); };
const legacyUrl = withDb(MY_ADMIN_URL, 'siphon_bench_verify_legacy');
const nextUrl = withDb(PG_ADMIN_URL, 'siphon_bench_verify_next');

const legacy = await openDatabase(legacyUrl);
const next = await openDatabase(nextUrl);
const config = resolveConfig({ name: 'bench', legacy: { db: legacyUrl, timezone: 'Europe/Paris' }, next: { db: nextUrl }, entities: billingEntities, tables: billingTables() });
const out: Record<string, { usPerRow: number; min: number; max: number }> = {};
let sink = 0;
for (const name of Object.keys(config.tables)) {
  const plan = await planTable(config, legacy, next, name);
  const rows: Row[] = [];
  let after: Value[] | null = null;
  while (rows.length < ROWS) {
    const page = await plan.legacy.page(after, 1000);
    rows.push(...page);
    if (page.length < 1000) break;
    after = plan.table.key.map((k) => page[page.length - 1]![k] ?? null);
  }
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    for (const row of rows) { const e = plan.expecter.expect(row); if (e.ok) sink += e.rows.length; }
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / rows.length);
  }
  times.sort((a, b) => a - b);
  out[name] = { usPerRow: Number(times[times.length >> 1]!.toFixed(3)), min: Number(times[0]!.toFixed(3)), max: Number(times[times.length - 1]!.toFixed(3)) };
  process.stderr.write(`${name.padEnd(11)} ${rows.length} rows: ${out[name]!.usPerRow} µs/row (${out[name]!.min}–${out[name]!.max})\n`);
}
await legacy.close();
await next.close();
console.log(JSON.stringify({ rows: ROWS, reps: REPS, sink, execArgv: process.execArgv.filter((f) => f.startsWith('--max')), ...out }));
