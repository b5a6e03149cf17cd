import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Finding 12 of issue 11: package.json's engines and the README disagreed on the Node version. One states the other.
describe('the Node version', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const readme = readFileSync('README.md', 'utf8');

  it('the README says the range package.json engines gives', () => {
    const m = /^>=(\d+)\.(\d+) <(\d+) \|\| >=(\d+)$/.exec(pkg.engines.node);
    expect(m, `engines.node "${pkg.engines.node}" changed form: update the README and this test`).not.toBeNull();
    const [, major, minor, below, next] = m!;
    expect(Number(below)).toBe(Number(major) + 1);
    expect(readme).toContain(`Node ${major}.${minor}+ or ${next}+`);
    expect(readme).not.toMatch(/\(Node \d+,/); // the old, vaguer statement
  });

  it('the Node running the tests is in the range', () => {
    const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
    const [, major, minor, , next] = /^>=(\d+)\.(\d+) <(\d+) \|\| >=(\d+)$/.exec(pkg.engines.node)!.map(Number);
    expect((maj === major && min >= minor!) || maj >= next!).toBe(true);
  });
});
