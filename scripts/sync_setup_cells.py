"""Write the repository address from _config.yml into every notebook's setup cell.

The address is configured in one place, `repository.url` in `_config.yml`. Colab needs it inside
each notebook (the first code cell installs `genmodels` from the repository when it is missing),
so this script copies it there; `tests/test_book.py` fails when a notebook and the configuration
disagree. Run it after changing the address:

    python scripts/sync_setup_cells.py
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The install line as a statement of its own (a commented-out line would install nothing).
INSTALL = re.compile(r'^(\s*%pip install -q "git\+)([^"]+)(")', re.MULTILINE)


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def setup_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The first code cell, which must hold the install line."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            if not INSTALL.search(cell.source):
                raise ValueError("the first code cell has no `%pip install -q \"git+...\"` line")
            return cell
    raise ValueError("the notebook has no code cell")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    url = repository_url()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = setup_cell(nb)
        new = INSTALL.sub(lambda m: m.group(1) + url + m.group(3), cell.source)
        if new != cell.source:
            cell.source = new
            nbformat.write(nb, path)
            print(f"updated {path.name}")


if __name__ == "__main__":
    main()
