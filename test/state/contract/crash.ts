import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { ContractContext } from './context.js';

const WRITER = fileURLToPath(new URL('../support/crash-writer.ts', import.meta.url));
const N = 60_000;

/** Starts the writer, kills it (SIGKILL, no cleanup) as soon as it starts its batch; resolves with what it printed. */
function killMidBatch(url: string, entity: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, url, String(N), entity], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('exit', () => (out.includes('ready') ? resolve(out) : reject(new Error(`writer failed before its batch: ${err}`))));
  });
}

export function crashContract(ctx: ContractContext): void {
  it('a process killed in the middle of a ledger batch leaves all of it or none, and the store keeps working', async () => {
    const out = await killMidBatch(ctx.url, 'crashed');
    const [count] = await ctx.store().ledgerCounts('crashed');
    // all or nothing; in practice nothing, since the kill lands long before the batch commits
    if (out.includes('committed')) expect(count?.count).toBe(N);
    else expect([undefined, N]).toContain(count?.count);
    const after = await ctx.store().upsertLedger([{ entity: 'crashed', key: 'after', state: 'copied', version: '1', origin: 'capture' }]);
    expect(after.applied).toBe(1);
  });
}
