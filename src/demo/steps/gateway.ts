import { startLiveGateway } from '../live-gateway.js';
import type { DemoStep } from '../types.js';

/** The gateway that stays in front for the rest of the story (canary, owner mode, promotion), and the analysis loop. */
export const gatewayStep: DemoStep = {
  id: 'gateway',
  title: 'Put the gateway in front for good: route stats for canary analysis, owner routing with aspire, the analysis loop',
  async run(ctx) {
    const live = await startLiveGateway(ctx);
    ctx.onClose(() => live.stop());
    ctx.live = live;
    ctx.gatewayUrl = live.url;
    return {
      summary: `gateway ${live.url}: route table from the state store, per-route stats every 250 ms, owner routing over the ledger with the migration's aspirer; canary analysis judging every 1 s`,
      details: { gateway: live.url },
    };
  },
};
