#!/usr/bin/env python3
"""Runs a notebook written by `liquidity export` in a real Jupyter kernel.

Usage: python3 notebooks-export/run_notebook.py DIR/reverse_qe.ipynb [KERNEL_DIR]
The kernel starts in KERNEL_DIR (default: the notebook's folder), as Jupyter starts it in the
notebook's; from elsewhere the notebook finds its files through LIQUIDITY_EXPORT. Prints a JSON report (cells run, errors, images, whether the matrices were shown)
and exits 1 if any cell failed. Needs nbclient, nbformat, ipykernel, pandas and
matplotlib (scripts/test.sh installs them with pip when missing).
"""
import json
import os
import sys

import nbclient
import nbformat


def main(path, kernel_dir=None):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": kernel_dir or os.path.dirname(os.path.abspath(path))}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        print(json.dumps({"failed": str(error).splitlines()[0]}))
        return 1
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    report = {
        "first": notebook.cells[0].cell_type + ":" + notebook.cells[0].source.splitlines()[0],
        "ran": [cell.execution_count for cell in cells],
        "errors": sum(output.get("output_type") == "error" for cell in cells for output in cell.outputs),
        "images": sum("image/png" in output.get("data", {}) for cell in cells for output in cell.outputs),
        "matrices": "balance-sheet matrix ($T)" in "".join(output.get("text", "") for output in cells[-1].outputs),
    }
    print(json.dumps(report))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
