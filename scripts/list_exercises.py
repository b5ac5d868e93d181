"""Write ``book/exercises.md``: every chapter's exercises in one table, for choosing a problem set.

Each exercise is a Markdown cell of a chapter notebook whose first line reads
``### Exercise N.M (kind, ★★): Title``. This script reads those headings (and nothing else),
so the page cannot drift from the chapters; ``--check`` exits 1 when the page is stale.

    python scripts/list_exercises.py            # rewrite the page
    python scripts/list_exercises.py --check    # exit 1 if the page is not current
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "exercises.md"
KINDS = ("derivation", "coding", "experiment", "open question")
HEADING = re.compile(r"^### Exercise (\d+)\.(\d+) \(([a-z ]+), (★{1,3})\): (\S.*)$")


@dataclass(frozen=True)
class Exercise:
    notebook: str  # file name, e.g. 03_dcgan.ipynb
    chapter: int
    number: int
    kind: str
    stars: str
    title: str
    cell: int  # index of the heading cell

    @property
    def id(self) -> str:
        return f"{self.chapter}.{self.number}"


def chapter_title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    raise ValueError("the notebook has no '# Title' heading")


def section_start(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells that open a chapter's '## Exercises' section (one, when well formed)."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and c.source.startswith("## Exercises")]


def exercises_of(path: Path) -> list[Exercise]:
    """The notebook's exercises in order; a heading that starts like one but is malformed raises."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        first = cell.source.splitlines()[0] if cell.source else ""
        if cell.cell_type != "markdown" or not first.startswith("### Exercise"):
            continue
        m = HEADING.match(first)
        if not m or m.group(3) not in KINDS:
            raise ValueError(f"{path.name}, cell {i}: an exercise heading reads "
                             f"'### Exercise N.M (kind, ★★): Title' with kind one of {KINDS}; "
                             f"got {first!r}")
        found.append(Exercise(path.name, int(m.group(1)), int(m.group(2)), m.group(3),
                              m.group(4), m.group(5).strip(), i))
    return found


def page(notebooks: list[Path]) -> str:
    lines = ["# Exercises", "",
             "Every chapter ends with exercises, graded from ★ (minutes) to ★★★ (an afternoon).",
             "Answers sit one click away under each exercise, in a collapsed block that the",
             "site, Colab and Jupyter all show. Coding exercises are checked where you write",
             "them: `gm.check` runs your function on its own test cases and says what is wrong",
             "(a shape, a sign, a factor), so a problem set can be picked from this list and",
             "worked through in the notebooks.", ""]
    counts: dict[str, int] = {}
    for path in notebooks:
        exs = exercises_of(path)
        if not exs:
            continue
        nb = nbformat.read(path, as_version=4)
        lines += [f"## [{chapter_title(nb)}](../notebooks/{path.name})", "",
                  "| exercise | topic | kind | difficulty |", "|---|---|---|---|"]
        for e in exs:
            counts[e.kind] = counts.get(e.kind, 0) + 1
            lines.append(f"| {e.id} | {e.title.replace('|', '/')} | {e.kind} | {e.stars} |")
        lines.append("")
    total = sum(counts.values())
    summary = ", ".join(f"{counts[k]} {k}" for k in KINDS if k in counts)
    lines[8:8] = ["", f"There are {total} exercises: {summary}."]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args()
    text = page(sorted((ROOT / "notebooks").glob("*.ipynb")))
    if args.check:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python scripts/list_exercises.py",
                  file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
