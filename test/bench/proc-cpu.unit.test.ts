import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuMs, processTree } from '../../bench/lib/proc-cpu.js';

describe('bench CPU readings from /proc', () => {
  it('counts the CPU a process tree burns, child included', async () => {
    // a child that burns 300 ms of its own CPU (not of wall time: on a loaded machine the two differ) then waits
    const child = spawn(process.execPath, ['-e', 'const s = process.cpuUsage(); while (process.cpuUsage(s).user < 300_000); process.stdout.write("burnt\\n"); setInterval(() => {}, 1000)'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const tree = processTree(process.pid);
      expect(tree[0]).toBe(process.pid);
      await once(child.stdout!, 'data');
      expect(processTree(process.pid)).toContain(child.pid);
      const burnt = cpuMs([child.pid!]);
      expect(burnt).toBeGreaterThanOrEqual(200); // 10 ms ticks, and the child's start-up on top
      expect(burnt).toBeLessThan(5_000);
      expect(cpuMs(processTree(process.pid))).toBeGreaterThanOrEqual(burnt);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads NaN for a process that is gone, never a partial sum', () => {
    expect(cpuMs([process.pid, 2 ** 22 + 12345])).toBeNaN();
  });
});
