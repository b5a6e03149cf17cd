#!/usr/bin/env bash
# Runs the gateway's tests on Node 22 (fetched by scripts/node22.sh), as CI does on Node 20 with `npm test`: the HTTP
# layer reaches Node's llhttp through `_http_common`, whose shape may change between Node versions (issue 15, finding
# 9). Extra arguments replace the default file list, e.g. `npm run test:gateway:node22 -- test/gateway/http1.int.test.ts`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node22="$(bash "$root/scripts/node22.sh")"
cd "$root"
if [ "$#" -eq 0 ]; then set -- test/gateway/; fi
echo "gateway tests on $("$node22" --version): $*" >&2
# vitest's workers are forked from process.execPath, so they run on Node 22 too
exec "$node22" node_modules/vitest/vitest.mjs run "$@"
