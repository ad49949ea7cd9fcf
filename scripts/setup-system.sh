#!/usr/bin/env bash
# Installs the Debian packages hdlm-lab needs (Jupyter client and nbconvert, kernel test suite,
# OpenBLAS for the native kernel pack, headless Chromium for PNG figures and the browser test, the
# classic Jupyter Notebook server for the browser test, PyTorch for the benchmark).
# As root it installs what is missing; otherwise it prints the exact command to run.
set -euo pipefail
pkgs=(jupyter-nbconvert python3-nbclient jupyter-client python3-jupyter-kernel-test python3-ipykernel
      jupyter-notebook libopenblas-dev python3-numpy chromium python3-torch g++ make python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run as root: apt-get update && $cmd" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd -qq >/dev/null
