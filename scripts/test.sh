#!/usr/bin/env bash
# `npm test`: type-check, build, unit tests (node's test runner), the Jupyter kernel test suite against
# the project kernel, every notebook executed in smoke mode (HDLM_SMOKE=1), and the browser test (a real
# Jupyter front end in headless Chromium; skipped with one line when Chromium or jupyter-notebook is
# missing).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type-check =="
npx tsc -p tsconfig.json --noEmit
npx tsc -p test/tsconfig.json --noEmit
echo "== build =="
npx tsc -p tsconfig.json
echo "== unit tests =="
mkdir -p out
bash scripts/unit-tests.sh | tee out/unit-tests.log
echo "== kernel conformance (jupyter_kernel_test) =="
bash scripts/kernel-conformance.sh
echo "== notebooks (smoke mode) =="
HDLM_SMOKE=1 HDLM_SKIP_BUILD=1 bash scripts/notebooks.sh
echo "== browser (Jupyter Notebook in headless Chromium) =="
HDLM_SKIP_BUILD=1 bash test/browser/run.sh
# One closing line for CI: the unit-test counts (the later stages fail the run on their own).
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' out/unit-tests.log | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' out/unit-tests.log | tail -1)
echo "tests: ${pass:-0} passed, ${fail:-0} failed"
