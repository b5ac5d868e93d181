"""Static checks of the book's sources: what every chapter must have before the site is built."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import list_exercises
import sync_setup_cells

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The kernel-free explorers that the static site must carry, by chapter (issue: the static site).
EXPLORERS = {"01": 1, "02": 1, "03": 1, "04": 1, "05": 1, "06": 1, "07": 1}
MAX_NOTEBOOK_MB = 4.0


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_toc_lists_every_notebook_and_page():
    toc = (ROOT / "_toc.yml").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}" in toc, f"{path.name} is not in _toc.yml"
    for page in re.findall(r"file: (\S+)", toc):
        assert (ROOT / f"{page}.md").exists() or (ROOT / f"{page}.ipynb").exists(), page


def test_repository_url_is_written_once_in_the_configuration():
    url = sync_setup_cells.repository_url()
    assert url.startswith("https://github.com/")
    config_files = [ROOT / name for name in ("_config.yml", "pyproject.toml", "Makefile", "requirements.txt")]
    config_files += list((ROOT / "src").rglob("*.py")) + list((ROOT / "scripts").glob("*.py"))
    holders = [p.name for p in config_files if url in p.read_text()]
    assert holders == ["_config.yml"], holders


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_anatomy(path):
    nb = load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "no title"
    abstract = first.source.split("\n", 1)[1].strip() if "\n" in first.source else ""
    assert len(abstract.split()) >= 15, "the title cell needs an abstract"

    setup = sync_setup_cells.setup_cell(nb)
    assert sync_setup_cells.repository_url() in setup.source, "run scripts/sync_setup_cells.py"
    assert "except ImportError" in setup.source, "the install must only run where genmodels is missing"

    # The chapter ends with its check cells; only the exercises, which the reader fills in,
    # come after them (tests/test_exercises.py checks that section).
    heads = list_exercises.section_start(nb)
    chapter = nb.cells[:heads[0]] if heads else nb.cells
    code = [c for c in chapter if c.cell_type == "code"]
    checks = [c for c in code if "remove-cell" in c.metadata.get("tags", []) and "assert" in c.source]
    assert checks, "no hidden check cell asserts the chapter's claims"
    assert code[-1] in checks, "the chapter should end with its check cells, before the exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_come_from_a_standard_run(path):
    nb = load(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "not every cell was executed"
    assert nb.metadata.get("genmodels", {}).get("executed_profile") == "standard", \
        "refresh outputs with scripts/execute_notebooks.py (standard profile)"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_a_caption(path):
    nb = load(path)
    for cell in nb.cells:
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        images = sum("image/png" in o.get("data", {}) for o in cell.outputs)
        if images:
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            assert figure.get("caption"), f"figure without caption in cell:\n{cell.source[:200]}"
            assert images == 1, f"one figure per captioned cell:\n{cell.source[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_kernel_free_explorers_and_size(path):
    nb = load(path)
    html = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert html.count('class="gm-explorer"') >= EXPLORERS.get(path.stem[:2], 0)
    assert path.stat().st_size / 1e6 < MAX_NOTEBOOK_MB


def test_bibliography_has_every_cited_key():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    sources = [p.read_text() for p in (ROOT / "book").glob("*.md")] + [p.read_text() for p in NOTEBOOKS]
    cited = {k.strip() for s in sources for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", s)
             for k in group.split(",")}
    assert cited <= keys, cited - keys
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["bibtex_bibfiles"] == ["book/references.bib"]


def test_settings_tables_in_the_committed_outputs_are_current():
    """The settings table each notebook shows (with its time estimates) matches profiles.py."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, str(root / "scripts" / "refresh_settings_tables.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_commented_out_install_line_is_refused():
    """Chapter 04 once shipped `# %pip install ...`: Colab would then have installed nothing."""
    cell = nbformat.v4.new_code_cell(
        'try:\n    import genmodels as gm\nexcept ImportError:\n'
        '    # %pip install -q "git+https://example.org/book"\n    import genmodels as gm')
    with pytest.raises(ValueError, match="install"):
        sync_setup_cells.setup_cell(nbformat.v4.new_notebook(cells=[cell]))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_empty_code_cells(path):
    """The executor skips an empty cell, so outputs left in one (a glued value) never refresh."""
    nb = load(path)
    empty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.source.strip()]
    assert not empty, f"empty code cells {empty}: delete them (their outputs would go stale)"
