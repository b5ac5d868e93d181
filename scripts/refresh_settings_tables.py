"""Refresh, in every committed notebook, the settings table that ``gm.setup`` displayed.

The setup cell of each notebook (``cfg = gm.setup("<chapter>", data=..., seed=seed)``, or the
older ``gm.settings_table("<chapter>")``) shows the chapter's settings table as a Markdown
output. When ``src/genmodels/profiles.py`` changes (a new profile, new values, the estimated
times), this script rewrites that one output from :func:`genmodels.profiles.settings_table`,
without executing anything; every other output stays as the standard run left it. It is
idempotent: a notebook whose table is already current is not written.

    PYTHONPATH=src python scripts/refresh_settings_tables.py            # every notebook
    PYTHONPATH=src python scripts/refresh_settings_tables.py --check    # exit 1 if one is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from genmodels import profiles

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = re.compile(r"""gm\.(?:setup|settings_table)\(\s*["'](\w+)["']""")
TABLE_START = "| setting |"


def refresh(nb: nbformat.NotebookNode) -> tuple[str | None, bool]:
    """Put the current table into the notebook's settings-table output; return (chapter, changed)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        match = CHAPTER.search(cell.source)
        if not match:
            continue
        chapter = match.group(1)
        table = profiles.settings_table(chapter)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            markdown = data.get("text/markdown")
            if output.get("output_type") in ("display_data", "execute_result") and markdown is not None:
                text = "".join(markdown) if isinstance(markdown, list) else markdown
                if text.startswith(TABLE_START):
                    if text == table:
                        return chapter, False
                    data["text/markdown"] = table
                    return chapter, True
        raise ValueError(f"the setup cell of {chapter!r} has no settings-table output to refresh")
    return None, False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a table is stale")
    args = parser.parse_args()
    stale = []
    for path in args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        chapter, changed = refresh(nb)
        if chapter is None:
            print(f"{path.name}: no gm.setup / settings table, skipped")
        elif changed:
            stale.append(path.name)
            if not args.check:
                nbformat.write(nb, path)
            print(f"{path.name}: {chapter}'s table {'is stale' if args.check else 'refreshed'}")
        else:
            print(f"{path.name}: {chapter}'s table is current")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
