#!/usr/bin/env bash
# `npm run test:browser`: a real front end in a real browser. Starts Debian's Jupyter Notebook server
# with the project-local kernel spec on a copy of notebooks/00-tour.ipynb (the one in git is never
# saved), drives headless Chromium with playwright-core (test/browser/tour.ts): run all cells, check
# the plotly figure (an SVG) and the table, interrupt a long cell and check the kernel survives.
# Screenshots go to out/browser/. Exits 0 with a "skipped" line when Chromium or jupyter-notebook is
# missing (scripts/setup-system.sh installs both); HDLM_BROWSER_REQUIRED=1 makes that a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
chromium="${HDLM_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$chromium" ] || missing+=(chromium)
python="${HDLM_PY:-/usr/bin/python3}"
"$python" -c "import notebook" 2>/dev/null || missing+=(jupyter-notebook)
if [ ${#missing[@]} -gt 0 ]; then
  msg="browser test: skipped (missing Debian packages: ${missing[*]}; run scripts/setup-system.sh as root)"
  if [ "${HDLM_BROWSER_REQUIRED:-}" = "1" ]; then echo "$msg" >&2; exit 1; fi
  echo "$msg"; exit 0
fi
source scripts/jupyter-env.sh
if [ "${HDLM_SKIP_BUILD:-}" != "1" ]; then npx tsc -p tsconfig.json; fi
bash scripts/kernelspec.sh >/dev/null

# A throwaway notebook folder that looks like the repository from the notebook's point of view
# (../dist, ../data, ../node_modules), so the Notebook server can autosave without touching git.
work="$(mktemp -d /tmp/hdlm-browser-XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/notebooks" "$work/out" "$root/out/browser"
for d in dist data node_modules package.json; do ln -s "$root/$d" "$work/$d"; done
cp notebooks/00-tour.ipynb "$work/notebooks/"

port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Smoke sizes (the kernel inherits the server's environment); figures and tables go to the work folder.
root_flag=(); if [ "$(id -u)" -eq 0 ]; then root_flag=(--allow-root); fi
HDLM_SMOKE=1 HDLM_OUT_DIR="$work/out" "$python" -m notebook "${root_flag[@]}" --no-browser --ip=127.0.0.1 --port="$port" \
  --NotebookApp.token="$token" --NotebookApp.notebook_dir="$work" --NotebookApp.open_browser=False \
  --MappingKernelManager.cull_idle_timeout=0 >"$root/out/browser/server.log" 2>&1 &
server_pid=$!
up() { "$python" -c 'import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=2)' "http://127.0.0.1:$port/api/status?token=$token" 2>/dev/null; }
for _ in $(seq 1 300); do
  kill -0 "$server_pid" 2>/dev/null || break
  if up; then break; fi
  sleep 0.2
done
up || { echo "browser test: the Jupyter server did not start (out/browser/server.log)" >&2; exit 1; }

HDLM_JUPYTER_URL="http://127.0.0.1:$port" HDLM_JUPYTER_TOKEN="$token" HDLM_CHROMIUM="$chromium" \
  HDLM_BROWSER_OUT="$root/out/browser" node --import tsx test/browser/tour.ts
