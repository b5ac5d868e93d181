"""glue and markdown_table: run numbers into the page in the format MyST-NB reads."""

import json

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from genmodels import report


@pytest.fixture
def outputs(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False, metadata=None: shown.append((obj, metadata)))
    return shown


def test_glue_writes_what_myst_nb_reads(outputs):
    assert report.glue("dcgan_fd", np.float32(14.257), "{:.1f}") == np.float32(14.257)
    (bundle, metadata), = outputs
    assert bundle == {"application/papermill.record/text/plain": "'14.3'"}
    assert metadata["scrapbook"] == {"name": "dcgan_fd", "mime_prefix": report.GLUE_PREFIX}
    assert metadata["genmodels"]["value"] == pytest.approx(14.257, rel=1e-6)
    report.glue("count", 1234, "{:,}")
    assert outputs[-1][0]["application/papermill.record/text/plain"] == "'1,234'"  # no tuple (1, 234)
    with pytest.raises(ValueError, match="glue names"):
        report.glue("bad name", 1)


def test_myst_nb_formats_the_glued_text_as_shown():
    # The site's build reads glued text with MyST-NB; a reader's Colab has no MyST-NB.
    variables = pytest.importorskip("myst_nb.core.variables")
    format_plain_text = variables.format_plain_text

    assert format_plain_text("'1,234'", "") == "1,234"
    assert format_plain_text("'14.3'", "") == "14.3"


def test_glued_values_are_read_back(tmp_path):
    cell = {"cell_type": "code", "outputs": [{
        "output_type": "display_data", "data": {report.GLUE_PREFIX + "text/plain": "'3.0'"},
        "metadata": {"scrapbook": {"name": "x", "mime_prefix": report.GLUE_PREFIX},
                     "genmodels": {"value": 3.0, "text": "3.0"}}}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell, {"cell_type": "markdown", "source": "x"}]}))
    assert report.glued_values(path) == {"x": 3.0}


def test_markdown_table():
    InteractiveShell.instance()
    table = report.markdown_table(["step", "FD"], [[0, "463.1"], [600, "a|b"]], align="rr").data
    assert table.splitlines() == ["| step | FD |", "|---:|---:|", "| 0 | 463.1 |", "| 600 | a\\|b |"]
    with pytest.raises(ValueError, match="row has 1"):
        report.markdown_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="align"):
        report.markdown_table(["a"], [], align="x")
