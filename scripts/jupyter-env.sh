# Sourced by the notebook scripts: finds the Python that has Jupyter (Debian's), points Jupyter at the
# project-local kernelspec, and fails with one line naming the packages to install if Jupyter is missing.
HDLM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${HDLM_PY:-}" ]; then
  HDLM_PY=python3
  # Debian's python has the apt-installed Jupyter; a pyenv/venv python3 earlier on PATH may not.
  if [ -x /usr/bin/python3 ]; then HDLM_PY=/usr/bin/python3; fi
fi
if ! "$HDLM_PY" -c "import nbclient, nbconvert, jupyter_client, jupyter_kernel_test" 2>/dev/null; then
  echo "Jupyter not found for $HDLM_PY: apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client python3-jupyter-kernel-test (or run scripts/setup-system.sh as root)" >&2
  exit 1
fi
export HDLM_PY
export JUPYTER_PATH="$HDLM_ROOT/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# Keep Jupyter's runtime files (connection files) inside the project, not in $HOME.
export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-$HDLM_ROOT/.jupyter/runtime}"
export PYDEVD_DISABLE_FILE_VALIDATION=1
