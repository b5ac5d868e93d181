"""The chapters' exercises: their form, their answers, and checkers that can tell right from wrong.

For every coding exercise (a code cell tagged ``exercise`` ending in ``gm.check("N.M", ...)``):
the cell as shipped is "not attempted"; the reference solution in the exercise's answer block
is accepted; and every typical mistake listed in ``tests/exercises/chNN.py`` is rejected with
its own message. A checker that accepts everything, or rejects everything, fails here.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import genmodels as gm
from genmodels import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import list_exercises

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_LINE = re.compile(r"""^gm\.check\(\s*"(\d+\.\d+)"\s*,.*\)\s*$""")
ANSWER = re.compile(r"\A<details>\n<summary>Answer</summary>\n\n(?P<body>.*\S)\n\n</details>\s*\Z",
                    re.DOTALL)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _exercise_cells(path: Path) -> list[dict]:
    """Per exercise: its heading info, its `exercise` code cells and its answer cell."""
    nb = nbformat.read(path, as_version=4)
    found = list_exercises.exercises_of(path)
    out = []
    for k, e in enumerate(found):
        end = found[k + 1].cell if k + 1 < len(found) else len(nb.cells)
        cells = nb.cells[e.cell + 1:end]
        code = [c for c in cells if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])]
        answers = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("<details>")]
        out.append({"ex": e, "code": code, "answers": answers, "path": path})
    return out


ALL = [item for path in NOTEBOOKS for item in _exercise_cells(path)]
CODING = [item for item in ALL if item["ex"].kind == "coding"]


def _mistakes() -> dict[str, list[tuple[str, str]]]:
    table: dict[str, list[tuple[str, str]]] = {}
    for file in sorted((ROOT / "tests" / "exercises").glob("ch*.py")):
        spec = importlib.util.spec_from_file_location(f"mistakes_{file.stem}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for key, entries in module.MISTAKES.items():
            table.setdefault(key, []).extend(entries)
    return table


MISTAKES = _mistakes()


def _namespace() -> dict:
    import keras
    import tensorflow as tf
    from keras import ops

    return {"np": np, "tf": tf, "keras": keras, "ops": ops, "gm": gm}


def _run(code: str, check_line: str) -> ex.Verdict:
    """Execute ``code`` (the reader's definitions), then the exercise's check line."""
    ns = _namespace()
    exec(compile(code, "<exercise>", "exec"), ns)  # noqa: S102 -- the book's own answers
    verdict = eval(check_line, ns)
    assert isinstance(verdict, ex.Verdict), f"the check line returned {verdict!r}"
    return verdict


def _split(cell_source: str) -> tuple[str, str]:
    """A shipped exercise cell: (everything but its last line, its last line, the check call)."""
    lines = cell_source.rstrip().splitlines()
    return "\n".join(lines[:-1]), lines[-1].strip()


def _ids(items: list[dict]) -> list[str]:
    return [f"ch{item['ex'].chapter:02d}-ex{item['ex'].number}" for item in items]


# --- the form -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"ch{p.name[:2]}" for p in NOTEBOOKS])
def test_every_chapter_has_four_to_six_graded_exercises(path):
    exs = list_exercises.exercises_of(path)
    chapter = int(path.name[:2])
    assert 4 <= len(exs) <= 6, f"{path.name}: {len(exs)} exercises, the book asks 4-6"
    assert [e.number for e in exs] == list(range(1, len(exs) + 1)), f"{path.name}: numbering"
    assert {e.chapter for e in exs} == {chapter}, f"{path.name}: exercises of another chapter"
    kinds = [e.kind for e in exs]
    assert "derivation" in kinds and "open question" in kinds, f"{path.name}: {kinds}"
    assert kinds.count("coding") >= 2, f"{path.name}: fewer than two checked coding exercises"
    assert len({e.stars for e in exs}) >= 2, f"{path.name}: exercises not graded in difficulty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"ch{p.name[:2]}" for p in NOTEBOOKS])
def test_exercises_come_last_after_the_chapters_checks(path):
    """Nothing a reader fills in can reach the chapter's hidden checks, which run before."""
    nb = nbformat.read(path, as_version=4)
    heads = list_exercises.section_start(nb)
    assert len(heads) == 1, f"{path.name}: one '## Exercises' section"
    checks = [i for i, c in enumerate(nb.cells)
              if "remove-cell" in c.metadata.get("tags", []) and "assert" in c.source]
    assert checks and max(checks) < heads[0], f"{path.name}: a hidden check after the exercises"
    first = list_exercises.exercises_of(path)[0].cell
    assert heads[0] < first


@pytest.mark.parametrize("item", ALL, ids=_ids(ALL))
def test_every_exercise_has_one_collapsed_answer(item):
    assert len(item["answers"]) == 1, "one <details> answer cell per exercise"
    source = item["answers"][0].source
    m = ANSWER.match(source)
    assert m, ("the answer reads '<details>\\n<summary>Answer</summary>\\n\\n...\\n\\n</details>' "
               "(the blank lines let Jupyter, Colab and MyST render the inside as Markdown)")
    body = m.group("body")
    assert "{glue:" not in body and "{cite}" not in body and "```{" not in body, (
        "no MyST roles or directives inside an answer: Colab shows them as raw text")
    lines = source.split("\n")
    fences = [n for n, line in enumerate(lines) if line.strip() == "$$"]
    for k, n in enumerate(fences):  # alternately opening and closing a display formula
        neighbour = lines[n - 1] if k % 2 == 0 else (lines[n + 1] if n + 1 < len(lines) else "")
        assert not neighbour.strip(), (
            f"line {n + 1}: a '$$' display needs a blank line before and after it, or MyST "
            "prints the dollars as text")
    blocks = PYTHON_BLOCK.findall(body)
    if item["ex"].kind == "coding":
        assert len(blocks) == 1, "a coding answer holds one ```python block, the reference"
        assert len(item["code"]) == 1, "a coding exercise has one code cell tagged 'exercise'"
    else:
        assert not item["code"], "only coding exercises have an 'exercise' cell"


# --- the checkers ---------------------------------------------------------------------------


@pytest.mark.parametrize("item", CODING, ids=_ids(CODING))
def test_shipped_cell_is_not_attempted(item):
    code, check_line = _split(item["code"][0].source)
    m = CHECK_LINE.match(check_line)
    assert m and m.group(1) == item["ex"].id, f"the cell ends with gm.check(\"{item['ex'].id}\", ...)"
    verdict = _run(code, check_line)
    assert verdict.status == "not attempted", verdict


@pytest.mark.parametrize("item", CODING, ids=_ids(CODING))
def test_reference_answer_is_accepted(item):
    _, check_line = _split(item["code"][0].source)
    reference = PYTHON_BLOCK.findall(item["answers"][0].source)[0]
    verdict = _run(reference, check_line)
    assert verdict.ok, verdict
    assert gm.solved(item["ex"].id)


MISTAKE_CASES = [(item, code, expected) for item in CODING
                 for code, expected in MISTAKES.get(item["ex"].id, [])]


@pytest.mark.parametrize("item,code,expected", MISTAKE_CASES,
                         ids=[f"{_ids([i])[0]}-mistake{n}" for n, (i, _, _) in enumerate(MISTAKE_CASES)])
def test_typical_mistake_is_rejected_with_its_message(item, code, expected):
    _, check_line = _split(item["code"][0].source)
    verdict = _run(code, check_line)
    assert verdict.status == "rejected", verdict
    assert expected.lower() in verdict.message.lower(), verdict
    assert not gm.solved(item["ex"].id)


def test_every_coding_exercise_has_mistakes_and_every_checker_an_exercise():
    ids = {item["ex"].id for item in CODING}
    missing = sorted(i for i in ids if not MISTAKES.get(i))
    assert not missing, f"coding exercises without a typical mistake in tests/exercises/: {missing}"
    orphans = sorted(set(MISTAKES) - ids)
    assert not orphans, f"mistakes listed for exercises that are not coding exercises: {orphans}"
    assert set(ex.exercises()) == ids, "every checker belongs to one coding exercise, and back"
    lines = {item["ex"].id: _split(item["code"][0].source)[1] for item in CODING}
    for key, entries in MISTAKES.items():
        messages = [_run(code, lines[key]).message for code, _ in entries]
        assert len(set(messages)) == len(messages), f"{key}: two mistakes get the same message"


def test_committed_outputs_show_the_shipped_cells_unsolved():
    """The site shows each exercise as a reader meets it: checked, and not attempted yet."""
    for item in CODING:
        outputs = item["code"][0].get("outputs", [])
        text = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
        assert "not attempted" in text, f"{item['ex'].id}: the committed output is {text[:80]!r}"


def test_exercise_page_is_current():
    text = list_exercises.page(NOTEBOOKS)
    page = list_exercises.PAGE.read_text(encoding="utf-8")
    assert page == text, "book/exercises.md is stale: run python scripts/list_exercises.py"


# --- the diagnoses that every checker uses --------------------------------------------------


def test_compare_names_what_is_wrong():
    e = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert ex.compare(e.copy(), e) is None
    assert "transposed" in ex.compare(e.T, e)
    assert "keepdims" in ex.compare(e[None], e)
    assert "forget to reduce" in ex.compare(np.ones((2, 3, 4)), e)
    assert "wrong sign" in ex.compare(-e, e)
    assert "factor 2" in ex.compare(2 * e, e)
    assert "factor 1/2" in ex.compare(e / 2, e)
    assert "constant 0.5" in ex.compare(e + 0.5, e)
    assert "NaN" in ex.compare(np.full_like(e, np.nan), e)
    odd = e.copy()
    odd[1, 2] = 0.0
    assert "index (1, 2)" in ex.compare(odd, e)
    with pytest.raises(ex._ReaderError, match="should be numbers"):
        ex.compare("six", e)


def test_check_reports_not_attempted_exceptions_and_wrong_answers():
    @ex.checker("0.1", "square a number")
    def _square(fn):
        return ex.compare(ex.call(fn, np.arange(3.0)), np.arange(3.0) ** 2, name="fn(x)")

    try:
        def shipped(x):
            ...  # your code here

        def broken(x):
            return x / undefined_name  # noqa: F821

        assert gm.check("0.1", shipped).status == "not attempted"
        v = gm.check("0.1", broken)
        assert v.status == "rejected" and "NameError" in v.message and "broken" in v.message
        assert "factor 2" in gm.check("0.1", lambda x: 2 * x**2).message
        assert gm.check("0.1", lambda x: x**2).ok and gm.solved("0.1")
        assert not gm.check("0.1", lambda x: x).ok and not gm.solved("0.1")
        assert "<div" in gm.check("0.1", lambda x: x**2)._repr_html_()
        page = ex.Verdict("0.1", "rejected", "use `x < y`, not `x`")._repr_html_()
        assert "<code>x &lt; y</code>" in page and "<code>x</code>" in page and "`" not in page
        with pytest.raises(KeyError, match="there is no exercise"):
            gm.check("99.9", shipped)
    finally:
        ex._CHECKERS.pop("0.1")
        ex._SOLVED.discard("0.1")


def test_decreasing():
    assert ex.decreasing([1.0, 0.5]) is None
    assert "does not fall" in ex.decreasing([1.0, 1.0])
    assert "NaN" in ex.decreasing([1.0, float("nan")])
