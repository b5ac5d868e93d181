"""Re-execute notebooks in place to refresh the outputs that the site renders.

    python scripts/execute_notebooks.py notebooks/01_autoencoders_vae.ipynb [...]
    python scripts/execute_notebooks.py --all

Runs each notebook top to bottom in the ``standard`` profile (override with ``--profile``),
offline unless ``--online`` is given, then removes the views of live ipywidgets and tags their
cells ``remove-output`` (scripts/strip_live_widgets.py): on the static site they would be dead
controls; each chapter's kernel-free explorer stands in for them. Prints the wall-clock time of
each notebook.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
import strip_live_widgets
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, profile: str, online: bool, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["GENMODELS_PROFILE"] = profile
    if not online:
        os.environ["GENMODELS_OFFLINE"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # C-level output (TensorFlow's start-up log lines) goes to this terminal, not into the notebook.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    strip_live_widgets.strip(nb, path.name)
    nb.metadata.setdefault("genmodels", {})["executed_profile"] = profile
    nbformat.write(nb, path)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook in notebooks/")
    parser.add_argument("--profile", default="standard", choices=["quick", "standard", "gpu", "full"])
    parser.add_argument("--online", action="store_true", help="use the real data (needs internet)")
    parser.add_argument("--timeout", type=int, default=3600, help="per-cell timeout in seconds")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("*.ipynb")) if args.all else args.notebooks
    if not paths:
        parser.error("name notebooks or pass --all")
    for path in paths:
        elapsed = execute(Path(path), args.profile, args.online, args.timeout)
        print(f"{path}: {elapsed:.0f} s in the {args.profile} profile")


if __name__ == "__main__":
    main()
