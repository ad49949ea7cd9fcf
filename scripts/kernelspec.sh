#!/usr/bin/env bash
# Writes the project-local Jupyter kernelspec .jupyter/kernels/hdlm-lab/kernel.json (absolute paths,
# nothing global). With --stock it also writes .jupyter/kernels/tslab-stock (plain tslab, for comparisons)
# and, when HDLM_DENO names a deno binary, .jupyter/kernels/deno (Deno's built-in kernel, for the same table).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
node_bin="$(command -v node || true)"
if [ -z "$node_bin" ]; then echo "kernelspec: node not found on PATH; install Node >= 20" >&2; exit 1; fi
if [ ! -f node_modules/tslab/dist/main.js ]; then
  echo "kernelspec: node_modules/tslab is missing; run npm install in $root" >&2; exit 1
fi
write_spec() { # name display_name argv-json
  mkdir -p ".jupyter/kernels/$1"
  cat > ".jupyter/kernels/$1/kernel.json" <<JSON
{
  "argv": $3,
  "display_name": "$2",
  "language": "typescript",
  "interrupt_mode": "signal",
  "metadata": { "generated_by": "scripts/kernelspec.sh" }
}
JSON
}
write_spec hdlm-lab "hdlm-lab (TypeScript)" \
  "[\"$node_bin\", \"$root/bin/hdlm-kernel.js\", \"--config-path\", \"{connection_file}\"]"
if [ "${1:-}" = "--stock" ]; then
  write_spec tslab-stock "tslab 1.0.22 (stock)" \
    "[\"$node_bin\", \"$root/node_modules/tslab/bin/tslab\", \"kernel\", \"--config-path\", \"{connection_file}\"]"
  if [ -n "${HDLM_DENO:-}" ]; then
    deno_bin="$(cd "$(dirname "$HDLM_DENO")" && pwd)/$(basename "$HDLM_DENO")"
    write_spec deno "Deno ($("$deno_bin" --version | head -1))" \
      "[\"$deno_bin\", \"jupyter\", \"--kernel\", \"--conn\", \"{connection_file}\"]"
  fi
fi
echo "kernelspec: $root/.jupyter/kernels/hdlm-lab (use JUPYTER_PATH=$root/.jupyter)"
