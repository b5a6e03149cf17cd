#!/usr/bin/env bash
# Runs the gateway's tests on Node 22 (fetched by scripts/node22.sh), as CI does on Node 20 with `npm test`: the HTTP
# layer reaches Node's llhttp through `_http_common`, whose shape may change between Node versions (issue 15, finding
# 9). Extra arguments replace the default file list, e.g. `npm run test:gateway:node22 -- test/gateway/http1.int.test.ts`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node22="$(bash "$root/scripts/node22.sh")"
cd "$root"
# By default the files of the HTTP layer: the ones that open a SQLite state store need better-sqlite3 built for this
# Node (node_modules holds the Node 20 build), so they run on Node 20 only.
if [ "$#" -eq 0 ]; then
  set -- test/gateway/fallback.int.test.ts test/gateway/head-guard.unit.test.ts test/gateway/headers.unit.test.ts \
    test/gateway/hostile.int.test.ts test/gateway/http1-property.int.test.ts test/gateway/http1-upstream.int.test.ts \
    test/gateway/http1.int.test.ts test/gateway/proxy.int.test.ts test/gateway/resilience.int.test.ts \
    test/gateway/mirror-load.unit.test.ts test/gateway/routing.unit.test.ts test/gateway/diff-json.unit.test.ts \
    test/gateway/diff-noise.unit.test.ts test/gateway/replay.int.test.ts test/gateway/record.unit.test.ts
fi
echo "gateway tests on $("$node22" --version): $*" >&2
# vitest's workers are forked from process.execPath, so they run on Node 22 too
exec "$node22" node_modules/vitest/vitest.mjs run "$@"
