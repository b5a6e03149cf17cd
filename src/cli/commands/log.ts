import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_LOG_URL, openLog } from '../../log/open.js';
import type { ConsumerRegistry } from '../../log/consumers/registry.js';
import { formatEntryJson, formatEntryLine } from '../../log/format.js';
import { replay, ReplayRangeError } from '../../log/replay.js';
import { InvalidOffsetError } from '../../log/errors.js';
import { recordStats } from '../../log/metrics.js';
import type { EventLog, LogEntry, LogOffset } from '../../log/types.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { err, out, printJson } from '../output.js';

const DEFAULT_CONFIG = 'siphon.config.ts';

interface LogOpts { config?: string; log?: string }

/** The log URL: --log, else the config's `log` (-c FILE, or ./siphon.config.ts when present), else the default. */
async function logUrl(o: LogOpts): Promise<string> {
  if (o.log) return o.log;
  const file = o.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (file) return (await loadConfig(file)).log;
  return DEFAULT_LOG_URL;
}

/** Runs fn on the opened log; a bad offset or range given by the user is a usage error (exit 2), not a failure. */
async function withLog(o: LogOpts, fn: (log: EventLog) => Promise<void>): Promise<void> {
  // every log command works on an existing log: a mistyped URL must not create an empty one
  const log = await openLog(await logUrl(o), { mode: 'read' });
  try {
    await fn(log);
  } catch (e) {
    if (e instanceof InvalidOffsetError || e instanceof ReplayRangeError) { usage(e.message); return; }
    throw e;
  } finally {
    await log.close();
  }
}

/** --from is inclusive: start reading just before it. */
function startAfter(log: EventLog, from: string | undefined): LogOffset | null {
  return from === undefined ? null : log.offsetBefore(log.parseOffset(from));
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
function parseDuration(text: string): number | null {
  if (text.trim() === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

function usage(message: string): void {
  err(`siphon: ${message}`);
  process.exitCode = EXIT_USAGE;
}

export function registerLog(program: Command, consumers: ConsumerRegistry): void {
  const log = program.command('log').description('inspect and replay the change log');

  log.command('tail')
    .description('print log entries (offset  table  op  key  changed-columns  @source-position), or JSON lines')
    .option('-c, --config <file>', 'siphon config (its `log` URL)')
    .option('--log <url>', 'log URL: sqlite:PATH, postgres://…, nats://host:4222/LOG')
    .option('--table <name>', 'only entries of this table')
    .option('--from <offset>', 'first offset to print (inclusive); default: the start, or the end with --follow')
    .option('--json', 'one JSON object per line')
    .option('-f, --follow', 'keep printing new entries until interrupted')
    .action(async (o: LogOpts & { table?: string; from?: string; json?: boolean; follow?: boolean }) => {
      await withLog(o, async (l) => {
        const keep = (e: LogEntry) => o.table === undefined || e.record.table === o.table;
        const print = (batch: readonly LogEntry[]) => {
          for (const e of batch) if (keep(e)) out(o.json ? formatEntryJson(e) : formatEntryLine(e));
        };
        if (!o.follow) {
          // Up to the last entry that exists now, waiting for any not visible yet (see replay).
          await replay(l, { name: 'tail', durable: false, handle: print }, o.from ?? null, null);
          return;
        }
        const cursor = o.from !== undefined ? startAfter(l, o.from) : (await l.stats()).lastOffset;
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          for await (const b of l.tail(cursor, ac.signal)) print(b);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
    });

  log.command('replay')
    .description('re-deliver a range of the log to a consumer; a durable consumer\'s checkpoint is rewound to --from and ends at --to')
    .option('-c, --config <file>', 'siphon config (its `log` URL)')
    .option('--log <url>', 'log URL: sqlite:PATH, postgres://…, nats://host:4222/LOG')
    .requiredOption('--from <offset>', 'first offset to re-deliver (inclusive)')
    .option('--to <offset>', 'last offset to re-deliver (inclusive); default: the current end')
    .requiredOption('--consumer <name>', `consumer to feed (${consumers.names().join(', ')}, or one the program was built with)`)
    .option('--json', 'JSON output')
    .action(async (o: LogOpts & { from: string; to?: string; consumer: string; json?: boolean }) => {
      const factory = consumers.get(o.consumer);
      if (!factory) { usage(`unknown consumer "${o.consumer}": available are ${consumers.names().join(', ')}`); return; }
      await withLog(o, async (l) => {
        const consumer = await factory({ json: o.json === true, write: (line) => out(line) });
        const r = await replay(l, consumer, o.from, o.to ?? null);
        consumer.finish?.();
        const summary = `replayed ${r.delivered} entries${r.first ? ` (${r.first}..${r.last})` : ''} to ${consumer.name}` +
          (r.checkpoint !== null ? `; its checkpoint is now ${r.checkpoint}` : '');
        if (o.json && consumer.name !== 'print' && consumer.name !== 'count') printJson(r); else err(summary);
      });
    });

  log.command('prune')
    .description('delete entries every registered consumer has passed and older than --older-than (never an unconsumed one)')
    .option('-c, --config <file>', 'siphon config (its `log` URL)')
    .option('--log <url>', 'log URL')
    .requiredOption('--older-than <duration>', 'minimum age of a deleted entry: 0, 90s, 30m, 12h, 7d')
    .option('--json', 'JSON output')
    .action(async (o: LogOpts & { olderThan: string; json?: boolean }) => {
      const maxAgeMs = parseDuration(o.olderThan);
      if (maxAgeMs === null) { usage(`--older-than "${o.olderThan}" is not a duration: use a number with s, m, h or d (e.g. 7d), or 0`); return; }
      await withLog(o, async (l) => {
        const r = await l.applyRetention({ maxAgeMs });
        if (o.json) printJson(r);
        else out(r.deleted > 0 ? `deleted ${r.deleted} entries up to ${r.upTo}` : 'nothing to delete (no consumer registered, one has acknowledged nothing, or no entry is old enough)');
      });
    });

  log.command('stats')
    .description('entries, offsets, size and consumer checkpoints of the log')
    .option('-c, --config <file>', 'siphon config (its `log` URL)')
    .option('--log <url>', 'log URL')
    .option('--json', 'JSON output')
    .action(async (o: LogOpts & { json?: boolean }) => {
      await withLog(o, async (l) => {
        const s = await l.stats();
        recordStats(l.name, s);
        const consumers = await l.consumers();
        if (o.json) { printJson({ log: l.name, ...s, consumers }); return; }
        out(`log ${l.name}: ${s.entries} entries, offsets ${s.firstOffset ?? '-'}..${s.lastOffset ?? '-'}${s.bytes !== null ? `, ${s.bytes} bytes` : ''}`);
        for (const c of consumers) out(`  consumer ${c.name} at ${c.offset ?? '(start)'} (updated ${c.updatedAt})`);
      });
    });
}

