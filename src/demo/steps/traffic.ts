import { runTraffic } from '../../../examples/billing/traffic/run-traffic.js';
import type { DemoStep } from '../types.js';

export const trafficStep: DemoStep = {
  id: 'traffic',
  title: 'Drive realistic traffic through both apps (writes to legacy only: next follows through capture)',
  async run(ctx) {
    const { trafficSeconds, rate, customers, seed } = ctx.options;
    if (trafficSeconds <= 0) return { summary: 'skipped (--traffic-seconds 0)' };
    if (!ctx.legacyApp || !ctx.nextApp) throw new Error('the apps are not running');
    const common = { rate, durationS: trafficSeconds, users: 50, seed, customers };
    const legacy = await runTraffic({ target: ctx.legacyApp.url, ...common });
    // next takes no write before its cutover: a write there would be a row legacy never had (verify would report it)
    const next = await runTraffic({ target: ctx.nextApp.url, ...common, readOnly: true });
    const line = (name: string, s: typeof legacy) =>
      `${name}: ${s.requests} requests (${s.reads} reads, ${s.writes} writes), statuses ${JSON.stringify(s.statuses)}, p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms`;
    const failed = legacy.failed + next.failed;
    if (legacy.completed === 0 || next.completed === 0) throw new Error(`no request completed (legacy ${legacy.completed}, next ${next.completed})`);
    return {
      summary: `${legacy.requests + next.requests} requests by 50 users, ${failed} network failures`,
      details: { legacy, next },
      lines: [line('legacy', legacy), line('next  ', next)],
    };
  },
};
