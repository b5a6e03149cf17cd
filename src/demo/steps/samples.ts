import type { DemoStep } from '../types.js';

type Json = unknown;

/** Field paths whose values differ (the noise fields generatedAt and requestId left out). */
export function differingPaths(a: Json, b: Json, path = ''): string[] {
  if (path === '.generatedAt' || path === '.requestId') return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b) ? [] : [path || '.'];
  if (Array.isArray(a) !== Array.isArray(b)) return [path || '.'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differingPaths((a as Record<string, Json>)[k], (b as Record<string, Json>)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`));
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
const at = (root: Json, path: string): unknown => path.split(/\.|\[|\]/).filter(Boolean).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), root);

export const samplesStep: DemoStep = {
  id: 'samples',
  title: 'Compare a few answers side by side',
  async run(ctx) {
    if (!ctx.legacyApp || !ctx.nextApp) throw new Error('the apps are not running');
    const samples: { path: string; legacyStatus: number; nextStatus: number; differences: { path: string; legacy: unknown; next: unknown }[] }[] = [];
    const lines: string[] = [];
    for (const id of ctx.sampleCustomers) {
      for (const path of [`/customers/${id}`, `/customers/${id}/invoices`]) {
        const [ra, rb] = await Promise.all([fetch(ctx.legacyApp.url + path), fetch(ctx.nextApp.url + path)]);
        const [a, b] = [await ra.json() as Json, await rb.json() as Json];
        const diffs = differingPaths(a, b).map((p) => ({ path: p, legacy: at(a, p), next: at(b, p) }));
        samples.push({ path, legacyStatus: ra.status, nextStatus: rb.status, differences: diffs });
        lines.push(`GET ${path}: legacy ${ra.status}, next ${rb.status}, ${diffs.length === 0 ? 'same answer (noise fields aside)' : `${diffs.length} field(s) differ:`}`);
        for (const d of diffs.slice(0, 6)) lines.push(`    ${d.path.padEnd(28)} legacy ${show(d.legacy).padEnd(34)} next ${show(d.next)}`);
      }
    }
    const first = ctx.sampleCustomers[0];
    if (first !== undefined) {
      const r = await fetch(`${ctx.legacyApp.url}/customers/${first}`);
      const body = await r.json() as { customer?: { lastName?: string; firstName?: string; address?: { city?: string }; contracts?: unknown[] } };
      const c = body.customer;
      if (c) lines.unshift(`customer ${first}: ${c.firstName} ${c.lastName}, ${c.address?.city}, ${c.contracts?.length ?? 0} contract(s)`);
    }
    return { summary: `${samples.length} requests compared, ${samples.filter((s) => s.differences.length > 0).length} with differences`, details: { samples }, lines };
  },
};
