"""Live ipywidgets stay out of the committed notebooks (their views would be dead on the site)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import strip_live_widgets

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VIEW = {"output_type": "display_data", "metadata": {},
        "data": {strip_live_widgets.WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                 "text/plain": "VBox(children=(...))"}}


def notebook(*outputs) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [nbformat.v4.new_code_cell("gm.latent_sliders(decode)", outputs=[nbformat.from_dict(o) for o in outputs]),
                nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", text="1\n")])]
    return nb


def test_strip_removes_views_and_state_and_tags_the_cell_once():
    nb = notebook(VIEW, nbformat.v4.new_output("stream", text="note\n"))
    untouched = copy.deepcopy(nb.cells[1])
    assert strip_live_widgets.strip(nb)
    assert "widgets" not in nb.metadata
    assert [o.output_type for o in nb.cells[0].outputs] == ["stream"]
    assert nb.cells[0].metadata.tags == ["remove-output"]
    assert nb.cells[1] == untouched
    before = copy.deepcopy(nb)
    assert strip_live_widgets.strip(nb) == []  # idempotent
    assert nb == before


def test_strip_refuses_a_cell_that_also_holds_a_kernel_free_explorer():
    explorer = nbformat.v4.new_output("display_data", data={"text/html": '<div id="x" class="gm-explorer">'})
    with pytest.raises(ValueError, match="split it"):
        strip_live_widgets.strip(notebook(VIEW, explorer))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_hold_no_live_widget_views(path):
    nb = nbformat.read(path, as_version=4)
    assert strip_live_widgets.strip(nb, path.name) == [], "run scripts/strip_live_widgets.py"
