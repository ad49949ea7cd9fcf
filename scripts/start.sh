#!/usr/bin/env bash
# `npm start`: the main job. Builds, then executes every notebook, writing executed notebooks + HTML to
# out/notebooks/, figures (HTML, and PNG when Chromium is installed) to out/figures/ and tables to
# out/tables/. Full size by default; `HDLM_SMOKE=1 npm start` runs the notebooks' test sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDLM_SMOKE="${HDLM_SMOKE:-0}"
exec bash scripts/notebooks.sh "$@"
