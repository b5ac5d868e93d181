"""Numbers and tables from a run into the page: ``glue`` and ``markdown_table``.

:func:`glue` records a value under a name in the cell's output, in the format MyST-NB's own
``glue`` writes, so the book's Markdown can say ``{glue:text}`name``` and the built page shows
the number this run computed. It needs no MyST-NB where the notebook runs (Colab has none): the
output is invisible there, and the site build reads it from the committed notebook.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

GLUE_PREFIX = "application/papermill.record/"  # MyST-NB's prefix for hidden glued outputs
VALUE_KEY = "genmodels"  # output metadata key holding the raw value, for tests


def glue(name: str, value: Any, fmt: str | None = None) -> Any:
    """Record ``value`` as ``name`` for ``{glue:text}`name``` in Markdown; return ``value``.

    ``fmt`` is a format string such as ``"{:.1f}"`` or ``"{:,}"``; without it the value is
    shown with ``str``. Nothing is displayed in the notebook. Used by every chapter.
    """
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(f"glue names are letters, digits, '_' and '-'; got {name!r}")
    text = fmt.format(value) if fmt else str(value)
    raw: Any = value
    if hasattr(value, "item") and callable(value.item):  # NumPy / TensorFlow scalars
        raw = value.item()
    if not isinstance(raw, (int, float, str, bool)):
        raw = text
    if isinstance(raw, float) and not math.isfinite(raw):
        raw = repr(raw)
    from IPython.display import display

    display({GLUE_PREFIX + "text/plain": repr(text)}, raw=True,
            metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX},
                      VALUE_KEY: {"value": raw, "text": text}})
    return value


def glued_values(notebook: str | Path) -> dict[str, Any]:
    """The raw values glued in a committed notebook, by name (what the site's prose shows)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = output.get("metadata", {})
            name = meta.get("scrapbook", {}).get("name")
            if name is not None and VALUE_KEY in meta:
                found[name] = meta[VALUE_KEY]["value"]
    return found


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None):
    """A Markdown table (an IPython ``Markdown`` object: the last line of a cell displays it).

    ``align`` has one letter per column, ``l``, ``r`` or ``c`` (default: all left). Cells are
    shown with ``str``; format numbers before passing them. Used by every chapter.
    """
    columns = list(columns)
    align = align or "l" * len(columns)
    if len(align) != len(columns) or set(align) - set("lrc"):
        raise ValueError(f"align needs one of l, r, c per column ({len(columns)}); got {align!r}")
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "|".join(rule[a] for a in align) + "|"]
    for row in rows:
        row = list(row)
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns: {row}")
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    from IPython.display import Markdown

    return Markdown("\n".join(lines))
