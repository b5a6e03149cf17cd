// One Siphon gateway process for bench:hostile: `tsx bench/lib/hostile-siphon.ts PORT UPSTREAM_URL [SETTINGS_JSON]`.
// The gateway's defaults (defences on), one process, legacy mode with no routes: everything goes to the upstream.
import { createGateway } from '../../src/gateway/server.js';
import type { GatewayOverrides } from '../../src/gateway/settings.js';

const [portArg, upstream, json] = process.argv.slice(2);
const extra = (json ? JSON.parse(json) : {}) as Partial<GatewayOverrides>;
const gw = createGateway({ legacy: upstream!, next: upstream!, ...extra });
await gw.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => { void gw.close().then(() => process.exit(0)); });
