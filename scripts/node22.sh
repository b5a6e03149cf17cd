#!/usr/bin/env bash
# Prints the path of a Node 22 binary, fetched once from the npm registry (the `node` package, which installs the
# platform's official binary) into node_modules/.cache/node22 — never into the project's node_modules. Idempotent:
# a second run only checks the version. Used by scripts/test-gateway-node22.sh (issue 15, finding 9).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/node_modules/.cache/node22"
bin="$dir/node_modules/node/bin/node"
if ! { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q '^v22\.'; }; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "name": "siphon-node22", "private": true }' > "$dir/package.json"
  echo "fetching node@22 into $dir (npm install --prefix)…" >&2
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error node@22 >&2
  "$bin" --version | grep -q '^v22\.' || { echo "node@22 installed but $bin is not Node 22" >&2; exit 1; }
fi
echo "$bin"
