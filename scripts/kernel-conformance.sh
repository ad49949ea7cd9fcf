#!/usr/bin/env bash
# Runs the Jupyter kernel test suite (test/notebook/kernel_conformance.py) against the project kernel.
# HDLM_KERNEL=tslab-stock runs it against stock tslab instead (for the before/after table).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jupyter-env.sh
bash scripts/kernelspec.sh --stock >/dev/null
cd test/notebook
# With arguments, only those tests: bash scripts/kernel-conformance.sh kernel_conformance.HdlmKernelTests.test_stdin_prompt
exec "$HDLM_PY" -m unittest -v "${@:-kernel_conformance}"
