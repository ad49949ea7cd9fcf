#!/usr/bin/env bash
# `npm run notebooks`: builds the library, writes the project kernelspec and executes every notebook in
# notebooks/ (or the ones given) through Jupyter; executed .ipynb + HTML go to out/notebooks/.
# HDLM_SMOKE=1 runs the notebooks' tiny configs. Exits 1 naming the notebook and cell of a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jupyter-env.sh
if [ "${HDLM_SKIP_BUILD:-}" != "1" ]; then npx tsc -p tsconfig.json; fi
bash scripts/kernelspec.sh >/dev/null
export HDLM_SMOKE="${HDLM_SMOKE:-0}"
exec "$HDLM_PY" scripts/notebooks.py "$@"
