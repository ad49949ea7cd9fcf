# Executes notebooks headless through the hdlm-lab kernel with nbclient and writes the executed .ipynb
# and an HTML export per notebook; on the first failing cell it exits 1 with one line naming both.
#
# The HTML export is self-contained (plotly.js inlined); the executed .ipynb is kept light: the inlined
# plotly.js is dropped from its text/html outputs (the application/vnd.plotly.v1+json part of the same
# output is what JupyterLab and VS Code render).
# A cell that runs longer than --timeout seconds (HDLM_CELL_TIMEOUT, default 1800) is stopped, the kernel
# shut down (killed if it does not answer), and the run fails with one line naming notebook and cell.
#
# Usage: python3 scripts/notebooks.py [--out DIR] [--timeout S] [--kernel NAME] [--strip] [NOTEBOOK ...]
# (scripts/notebooks.sh sets JUPYTER_PATH to the project kernelspec first; use that.)
import argparse
import copy
import glob
import re
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def first_line(text):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return str(text).strip()


def shown(path):
    """A path relative to the repository when inside it, else absolute."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return os.path.abspath(path) if rel.startswith("..") else rel


def has_outputs(nb):
    return any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def strip(nb):
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    return nb


def failing_cell(nb):
    """Index (0-based, over all cells) and code-cell number (1-based) of the cell that errored."""
    code_no = 0
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        code_no += 1
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                return i, code_no, o
    return None, None, None


# The three <script> elements of src/plot/html.ts plotlyScriptTag(): hide AMD define, plotly.js, restore.
INLINE_PLOTLY = re.compile(
    r'<script type="text/javascript">window\.__hdlmDefine = window\.define; window\.define = undefined;</script>\n'
    r'<script type="text/javascript">.*?</script>\n'
    r'<script type="text/javascript">window\.define = window\.__hdlmDefine;</script>\n',
    re.S,
)
PLOTLY_OMITTED = "<!-- plotly.js omitted from the .ipynb (see the HTML export); JupyterLab and VS Code render the plotly JSON -->\n"


def light(nb):
    """A copy of the executed notebook without the inlined plotly.js (for the .ipynb on disk)."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            data = o.get("data") or {}
            html = data.get("text/html")
            if html is None or "application/vnd.plotly.v1+json" not in data:
                continue
            text = "".join(html) if isinstance(html, list) else html
            data["text/html"] = INLINE_PLOTLY.sub(PLOTLY_OMITTED, text)
    return nb


def export_html(nb, path):
    body, _ = HTMLExporter().from_notebook_node(nb)
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)


class Client(NotebookClient):
    """nbclient's client, but a timed-out cell kills the kernel (a busy kernel cannot answer a shutdown
    request) and nothing is logged besides the runner's own one-line failure."""

    current_index = None

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        self.current_index = cell_index
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    async def _async_handle_timeout(self, timeout, cell=None):
        self.shutdown_kernel = "immediate"
        raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", timeout, cell)


def run_one(path, out_dir, kernel, timeout):
    rel = shown(path)
    nb = nbformat.read(path, as_version=4)
    if has_outputs(nb) and not os.environ.get("HDLM_ALLOW_OUTPUTS"):
        return f"{rel}: the notebook in git carries outputs; strip them: python3 scripts/notebooks.py --strip {rel}"
    name = os.path.splitext(os.path.basename(path))[0]
    client = Client(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    t0 = time.time()
    error = None
    try:
        client.execute()
    except CellTimeoutError as e:
        error = f"timed out after {timeout}s (HDLM_CELL_TIMEOUT or --timeout), kernel stopped"
    except CellExecutionError as e:
        error = None
        idx, code_no, out = failing_cell(nb)
        if out is not None:
            error = f"{out.get('ename')}: {first_line(out.get('evalue'))}"
        elif getattr(e, "ename", None):
            # The kernel replied with an error but sent no error output: nbclient still carries ename/evalue.
            error = f"{e.ename}: {first_line(getattr(e, 'evalue', '') or '')}"
        else:
            error = first_line(e)
    except DeadKernelError as e:
        error = f"the kernel died ({first_line(e)})"
    os.makedirs(out_dir, exist_ok=True)
    nbformat.write(light(nb), os.path.join(out_dir, name + ".ipynb"))
    export_html(nb, os.path.join(out_dir, name + ".html"))
    if error is None:
        print(f"notebooks: {rel} ok in {time.time() - t0:.1f}s -> {shown(os.path.join(out_dir, name + '.html'))}", flush=True)
        return None
    idx, code_no, _ = failing_cell(nb)
    where = f"cell {idx + 1} (code cell {code_no})" if idx is not None else "a cell"
    if idx is None and client.current_index is not None:
        # A timeout or dead kernel leaves no error output: name the cell that was running.
        i = client.current_index
        where = f"cell {i + 1} (code cell {sum(1 for c in nb.cells[: i + 1] if c.cell_type == 'code')})"
    return f"{rel} failed at {where}: {error}"


def kernel_problem(name):
    """One line when kernel spec `name` cannot start (unknown name, missing executable or file), else None."""
    import shutil
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return f"no Jupyter kernel named {name!r} on JUPYTER_PATH; run bash scripts/kernelspec.sh"
    where = shown(os.path.join(spec.resource_dir, "kernel.json"))
    if not spec.argv or shutil.which(spec.argv[0]) is None:
        return f"{where}: argv[0] {spec.argv[0] if spec.argv else '(empty)'} is not an executable; fix the kernel spec"
    for i, arg in enumerate(spec.argv[1:], 1):
        arg = arg.replace("{resource_dir}", os.path.abspath(spec.resource_dir))
        if "{" not in arg and os.path.isabs(arg) and not os.path.exists(arg):
            return f"{where}: argv[{i}] {arg} does not exist; fix the kernel spec (bash scripts/kernelspec.sh writes hdlm-lab's)"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "notebooks"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("HDLM_CELL_TIMEOUT", "1800")))
    ap.add_argument("--kernel", default="hdlm-lab")
    ap.add_argument("--strip", action="store_true", help="remove outputs from the given notebooks in place")
    args = ap.parse_args()
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    if not paths:
        print("notebooks: no notebooks found under notebooks/", file=sys.stderr)
        return 1
    if args.strip:
        for p in paths:
            nbformat.write(strip(nbformat.read(p, as_version=4)), p)
            print(f"notebooks: stripped {os.path.relpath(p, ROOT)}")
        return 0
    problem = kernel_problem(args.kernel)
    if problem:
        print(f"notebooks: FAILED {problem}", file=sys.stderr, flush=True)
        return 1
    failures = []
    for p in paths:
        if not os.path.exists(p):
            failures.append(f"{p}: no such notebook")
            continue
        msg = run_one(p, args.out, args.kernel, args.timeout)
        if msg:
            print(f"notebooks: FAILED {msg}", file=sys.stderr, flush=True)
            failures.append(msg)
    if failures:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
