import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { diffsOf, groupDiffs, type DiffEndpoint } from '../../control/admin/endpoints/reads.js';
import { DEFAULT_STATE_URL, openStateStore } from '../../state/open.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';
import { formatCount, formatTable, out, printJson } from '../output.js';

interface Flags extends AdminFlags { config?: string; state?: string; json?: boolean; route?: string; samples: string }

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function printDiffs(endpoints: readonly DiffEndpoint[], samples: number): void {
  if (endpoints.length === 0) { out('no differences recorded (the gateway stores them while it shadows or canaries a route)'); return; }
  for (const ep of endpoints) {
    out(`${ep.endpoint}  (${formatCount(ep.count)} difference(s))`);
    out(formatTable(['field', 'count', 'kinds'], ep.fields.map((f) => [f.path, formatCount(f.count),
      Object.entries(f.kinds).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ')]), { right: [1], indent: '  ' }));
    for (const f of ep.fields) {
      for (const s of f.samples.slice(0, samples)) out(`    ${f.path}: ${clip(JSON.stringify(s), 160)}`);
    }
  }
}

/**
 * `siphon diffs`: the gateway's response differences legacy vs next, endpoint → field → counts per kind and a few
 * samples (redacted by the gateway before they were stored), read from the state store or through the admin API.
 */
export function registerDiffs(program: Command): void {
  adminOptions(program.command('diffs'))
    .description("the gateway's response diffs: endpoint → field → counts and redacted samples")
    .option('-c, --config <file>', 'migration config (its state store is used)')
    .option('--state <url>', `state store URL (default ${DEFAULT_STATE_URL})`)
    .option('--route <id>', "only this route's endpoint")
    .option('--samples <n>', 'samples shown per field (text output)', '2')
    .option('--json', 'print JSON')
    .action(async (f: Flags) => {
      const api = await adminClient(f);
      let endpoints: DiffEndpoint[];
      if (api) endpoints = (await api.get<{ endpoints: DiffEndpoint[] }>('/diffs', { route: f.route })).endpoints;
      else {
        const url = f.state ?? (f.config ? (await loadConfig(f.config)).state : DEFAULT_STATE_URL);
        const store = await openStateStore(url, { mode: 'read' });
        try { endpoints = groupDiffs(await diffsOf(store, f.route)); } finally { await store.close(); }
      }
      if (f.json) printJson({ endpoints }); else printDiffs(endpoints, Math.max(0, Number(f.samples) || 0));
    });
}
