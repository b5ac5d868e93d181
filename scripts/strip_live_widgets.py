"""Keep live ipywidgets off the static site: tag their cells `remove-output`, drop their saved views.

A live widget (sliders that call Python) needs a kernel. On the static site its saved view would
be a dead control, so each chapter pairs it with a kernel-free explorer (`gm-explorer`,
`gm-piles`) and the live one is only for a running notebook. This script, for every notebook:

- finds the code cells whose outputs hold an ipywidgets view
  (``application/vnd.jupyter.widget-view+json``), removes those outputs and tags the cell
  ``remove-output`` (its code still shows, so a reader sees how to open the explorer live);
- removes the saved widget state (notebook metadata ``widgets``).

It refuses a cell that holds both a live view and a kernel-free explorer (the tag would hide the
explorer): split such a cell in two. Running it twice changes nothing the second time.

    python scripts/strip_live_widgets.py             # every notebook in notebooks/
    python scripts/strip_live_widgets.py a.ipynb ...
    python scripts/strip_live_widgets.py --check     # exit 1 if a notebook would change
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TAG = "remove-output"
KERNEL_FREE = ('class="gm-explorer"', 'class="gm-piles"')


def has_widget_view(output: dict) -> bool:
    return WIDGET_VIEW in output.get("data", {})


def strip(nb: nbformat.NotebookNode, name: str = "notebook") -> list[str]:
    """Strip ``nb`` in place; returns what changed, one line each (empty when nothing did)."""
    changes = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not any(has_widget_view(o) for o in cell.get("outputs", [])):
            continue
        html = "".join(str(o.get("data", {}).get("text/html", "")) for o in cell.outputs)
        if any(marker in html for marker in KERNEL_FREE):
            raise ValueError(f"{name}, cell {index}: a live widget and a kernel-free explorer share a cell; "
                             "split it so that only the live widget's output is removed")
        cell.outputs = [o for o in cell.outputs if not has_widget_view(o)]
        tags = cell.metadata.setdefault("tags", [])
        if TAG not in tags:
            tags.append(TAG)
        changes.append(f"cell {index}: live widget output removed, tagged {TAG}")
    if "widgets" in nb.metadata:
        del nb.metadata["widgets"]
        changes.append("saved widget state removed")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = False
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        changes = strip(nb, path.name)
        if not changes:
            continue
        dirty = True
        for change in changes:
            print(f"{path.name}: {change}")
        if not args.check:
            nbformat.write(nb, path)
    return 1 if dirty and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
