#!/usr/bin/env bash
# `npm test`: type-check, build, unit tests (node's test runner).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type-check =="
npx tsc -p tsconfig.json --noEmit
npx tsc -p test/tsconfig.json --noEmit
echo "== build =="
npx tsc -p tsconfig.json
echo "== unit tests =="
bash scripts/unit-tests.sh
