#!/usr/bin/env bash
# Runs every unit test under test/ (or the files/folders given) with node's test runner, TypeScript via tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- test; fi
files=$(find "$@" -name '*.test.ts' | sort)
if [ -z "$files" ]; then echo "no test files under: $*" >&2; exit 1; fi
# One file per process; two at a time on a 2-core machine.
exec node --import tsx --test --test-concurrency="${HDLM_TEST_CONCURRENCY:-2}" $files
