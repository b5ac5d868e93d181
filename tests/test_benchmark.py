"""benchmarks/gan_step.py runs end to end (tiny settings): its checks pass and it prints the speed-up."""

import re
import subprocess
import sys
from pathlib import Path

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
    assert re.fullmatch(r"speedup without XLA: \d+\.\d\d", lines[-2]), lines[-2]
    assert re.fullmatch(r"speedup: \d+\.\d\d", lines[-1]), lines[-1]


def test_benchmark_refuses_bad_settings():
    result = run("--steps", "0")
    assert result.returncode != 0 and "must be positive" in result.stderr
