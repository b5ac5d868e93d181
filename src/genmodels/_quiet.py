"""Import TensorFlow without its start-up log lines.

TensorFlow's C++ start-up messages (the oneDNN notice, the probe for CUDA drivers, the failed
cuInit on a machine without a GPU, the CPU-feature notice) are written by Abseil's logger straight
to file descriptor 2, before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``; Abseil also announces
that it was not initialised. In a notebook they appear under the first cell as red text that
says nothing to a reader. ``import_tensorflow`` imports TensorFlow (and lists its devices, which
is when the CUDA probe logs) with descriptor 2 sent to a temporary file, then writes back every
captured line that is not one of those known start-up messages, so real errors still show.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# Abseil's and TSL's log-line prefixes: "I0000 00:00:1795777185.069194   13047 port.cc:153] ..."
# and the older "2025-09-17 14:44:05.157831: I external/.../cudart_stub.cc:32] ...".
_PREFIX = r"(?:[IWE]\d{4} [\d:.]+\s+\d+ |\d{4}-\d\d-\d\d [\d:.]+: [IWE] \S*?)"
_SOURCES = r"(?:port|cudart_stub|cuda_platform|cpu_feature_guard|cuda_fft|cuda_dnn|cuda_blas|cuda_diagnostics|cuda_executor)"
STARTUP_LINE = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rf"|{_PREFIX}{_SOURCES}\.cc:\d+\] .*"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow with the appropriate compiler flags\.)$"
)


def drop_startup_lines(text: str) -> str:
    """``text`` without TensorFlow's known start-up log lines (every other line kept, in order)."""
    return "".join(line for line in text.splitlines(keepends=True) if not STARTUP_LINE.match(line.rstrip("\n")))


def import_tensorflow() -> None:
    """Import TensorFlow and probe its devices with C-level stderr filtered (once per process)."""
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable descriptor 2 (an unusual embedding): import plainly
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            rest = drop_startup_lines(capture.read().decode("utf-8", "replace"))
            if rest:
                os.write(2, rest.encode())
