#!/usr/bin/env bash
# `npm start`: the main job. Builds, then executes every notebook at full size (HDLM_SMOKE=0), writing
# executed notebooks + HTML to out/notebooks/, figures (HTML, and PNG when Chromium is installed) to
# out/figures/ and tables to out/tables/.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDLM_SMOKE=0
exec bash scripts/notebooks.sh "$@"
