"""benchmarks/gan_step.py runs end to end (tiny settings): its checks pass and it prints the speed-up."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gan_step.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True,
                          timeout=600)


def test_benchmark_runs_and_ends_with_the_speedup():
    result = run("--steps", "2", "--repeats", "1", "--warmup", "1", "--batch", "4")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("XLA computes the same gradients") for line in lines), result.stdout
    assert sum(line.startswith("| (") for line in lines) == 3  # (a), (b), (b) + XLA
    assert any(re.fullmatch(r"counted: \d+\.\d\d GFLOP per step .*", line) for line in lines), result.stdout
    assert any(re.fullmatch(r"peak: \d+ GFLOP/s = .*", line) for line in lines), result.stdout
    assert re.fullmatch(r"speedup without XLA: \d+\.\d\d", lines[-3]), lines[-3]
    assert re.fullmatch(r"speedup with XLA: \d+\.\d\d", lines[-2]), lines[-2]
    # The headline names the configuration it describes (batch, XLA) against notebook 03's.
    assert re.fullmatch(r"speedup: \d+\.\d\d \(book's step at batch 4, XLA o(n|ff); "
                        r"notebook 03 trains at batch \d+, XLA o(n|ff)\)", lines[-1]), lines[-1]


def test_benchmark_refuses_bad_settings():
    result = run("--steps", "0")
    assert result.returncode != 0 and "must be positive" in result.stderr


NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_dcgan.ipynb"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("gan_step", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_of_notebook(tmp_path: Path, old: str, new: str) -> Path:
    """Notebook 03 with ``old`` replaced by ``new`` in its code cells."""
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = "".join(cell["source"]).replace(old, new)
    path = tmp_path / "03_dcgan.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_benchmark_builds_notebook_03s_networks_from_the_notebook(tmp_path):
    gan_step = load_benchmark()
    # The definitions are the notebook's own code, not a copy kept in the script.
    assert gan_step.NB["DCGAN"].train_step.__code__.co_filename == str(NOTEBOOK)
    assert gan_step.build_generator(gan_step.LATENT).output_shape == (None, 28, 28, 1)
    # A change made in the notebook is what the benchmark builds.
    edited = gan_step.notebook_definitions(copy_of_notebook(tmp_path, "Conv2D(64, 5", "Conv2D(32, 5"))
    widths = [layer.filters for layer in edited["build_discriminator"](0.3).layers
              if hasattr(layer, "filters")]
    assert widths == [32, 128], widths
    # A notebook that no longer defines a builder is refused by name.
    renamed = copy_of_notebook(tmp_path, "def build_discriminator(", "def make_discriminator(")
    with pytest.raises(LookupError, match="build_discriminator"):
        gan_step.notebook_definitions(renamed)
