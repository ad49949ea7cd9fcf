#!/usr/bin/env bash
# Builds the native kernel pack (build/Release/hdlm_native.node) with node-gyp against Node's own headers.
# `--optional` (the npm install hook) never fails: it prints one line and exits 0 when the build is impossible.
set -uo pipefail
cd "$(dirname "$0")/.."
optional=0
[ "${1:-}" = "--optional" ] && optional=1
nodedir="$(npm config get nodedir 2>/dev/null | tail -n 1)"
if [ -z "$nodedir" ] || [ "$nodedir" = "undefined" ] || [ ! -f "$nodedir/include/node/node_api.h" ]; then
  nodedir="$(dirname "$(dirname "$(command -v node)")")"
fi
gyp=node_modules/node-gyp/bin/node-gyp.js
if [ ! -f "$gyp" ]; then
  msg="hdlm-lab: native kernel pack not built (node-gyp missing: npm install --include=dev); falling back to wasm"
  if [ $optional -eq 1 ]; then echo "$msg"; exit 0; else echo "$msg" >&2; exit 1; fi
fi
if [ $optional -eq 1 ]; then
  log="$(mktemp)"
  if node "$gyp" rebuild --nodedir="$nodedir" >"$log" 2>&1; then
    echo "hdlm-lab: native kernel pack built (build/Release/hdlm_native.node)"
  else
    why="$(grep -m1 -E 'fatal error|error:|not found|No such file' "$log" || grep -m1 'ERR!' "$log" || echo 'node-gyp failed')"
    echo "hdlm-lab: native kernel pack not built (${why:0:160}); falling back to wasm (needs g++, make, libopenblas-dev)"
  fi
  rm -f "$log"
  exit 0
fi
exec node "$gyp" rebuild --nodedir="$nodedir"
