"""A notebook's first cells show none of TensorFlow's start-up log lines (issue 12, item 7)."""

from __future__ import annotations

import os
import subprocess
import sys

from genmodels._quiet import drop_startup_lines

# What a fresh `import tensorflow` printed on this machine's stderr (TensorFlow 2.21, no GPU).
NOISE = ("absl::InitializeLog", "cudart_stub.cc", "cuda_platform.cc", "cuInit", "oneDNN custom operations",
         "cpu_feature_guard", "rebuild TensorFlow with the appropriate compiler flags")
# What the setup cell and the first training cell of a chapter do, in a fresh process.
FIRST_CELLS = "import genmodels\nimport tensorflow as tf\nprint(float(tf.reduce_sum(tf.ones(3))))\n"


def run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # genmodels must set it itself
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                          check=False)


def test_importing_genmodels_first_hides_tensorflows_startup_lines():
    result = run(FIRST_CELLS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3.0"
    assert not [n for n in NOISE if n in result.stderr], result.stderr


def test_the_noise_is_real_without_genmodels():
    """The control: the same probe, importing TensorFlow directly, does see start-up lines here
    (when a TensorFlow build stops printing them, this test says so instead of passing blindly)."""
    result = run(FIRST_CELLS.replace("import genmodels\n", ""))
    assert [n for n in NOISE if n in result.stderr], "TensorFlow printed no start-up lines: drop genmodels._quiet"


def test_other_lines_are_kept():
    text = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "I0000 00:00:1795777185.069194   13047 port.cc:153] oneDNN custom operations are on.\n"
            "E0000 00:00:1795777205.707371   13047 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"
            "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda\n"
            "E0000 00:00:1795777205.707371   13047 some_kernel.cc:12] a real error\n"
            "Traceback (most recent call last):\n")
    assert drop_startup_lines(text) == ("E0000 00:00:1795777205.707371   13047 some_kernel.cc:12] a real error\n"
                                        "Traceback (most recent call last):\n")
