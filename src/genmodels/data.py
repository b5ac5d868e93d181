"""MNIST online (the Keras loader, cached) or offline (10,000 real digits shipped in the package).

``GENMODELS_OFFLINE=1`` forces the offline path. Without it, :func:`load_mnist` tries the Keras
loader and, if the download fails, raises :class:`DownloadError` saying how to go offline.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

OFFLINE_ENV_VAR = "GENMODELS_OFFLINE"
OFFLINE_MNIST_FILE = "mnist_offline.npz"
# SHA-256 of src/genmodels/data/mnist_offline.npz as written by scripts/build_offline_mnist.py.
OFFLINE_MNIST_SHA256 = "72f058dcd586b3498fa12430352cd5d4b58c5cf61d93cf7927558705e455bffb"


class DataError(RuntimeError):
    """Data that cannot be loaded or used; the message says what to do."""


class DownloadError(DataError):
    """A download failed (no internet, a proxy, a server error)."""


class ChecksumError(DataError):
    """A file's SHA-256 is not the expected one: it is truncated, corrupted or tampered with."""


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 images (N, 28, 28) and uint8 labels, with where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (f"Mnist({self.source}: {len(self.x_train)} train, {len(self.x_test)} test)")


def offline_requested() -> bool:
    """True when ``GENMODELS_OFFLINE`` is set to a true value (1, true, yes, on).

    Used by chapters 06, 07.
    """
    return os.environ.get(OFFLINE_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`ChecksumError` naming ``path`` unless its SHA-256 is ``expected``."""
    if not Path(path).is_file():
        raise DataError(f"{path} does not exist; reinstall the package (pip install -e .).")
    actual = sha256_of(Path(path))
    if actual != expected:
        raise ChecksumError(
            f"{path} has SHA-256 {actual}, expected {expected}: the file is truncated or "
            "corrupted. Reinstall the package, or rebuild it with scripts/build_offline_mnist.py."
        )


def offline_mnist_path() -> Path:
    return Path(str(resources.files("genmodels") / "data" / OFFLINE_MNIST_FILE))


def load_offline_mnist(path: Path | None = None, expected_sha256: str = OFFLINE_MNIST_SHA256) -> Mnist:
    """The shipped subset: 8,000 training and 2,000 test digits (fixed, seeded, stratified split)."""
    path = Path(path) if path is not None else offline_mnist_path()
    verify_sha256(path, expected_sha256)
    with np.load(path) as npz:
        parts = {key: npz[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    return Mnist(**parts, source="offline MNIST subset (8,000 train / 2,000 test, shipped)")


def load_mnist(offline: bool | None = None) -> Mnist:
    """MNIST: the full 60,000/10,000 set online, or the shipped 8,000/2,000 subset offline.

    ``offline=None`` follows ``GENMODELS_OFFLINE``. A failed download raises
    :class:`DownloadError` that names ``GENMODELS_OFFLINE=1``.
    Used by chapters 01, 03, 04, 05.
    """
    if offline is None:
        offline = offline_requested()
    if offline:
        return load_offline_mnist()
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # urllib, SSL, HTTP, proxy errors all end here
        raise DownloadError(
            f"Downloading MNIST failed ({type(error).__name__}: {error}). Without internet, set "
            f"{OFFLINE_ENV_VAR}=1 to use the 10,000 digits shipped with genmodels."
        ) from error
    return Mnist(x_train, y_train, x_test, y_test, source="MNIST (Keras loader, 60,000 / 10,000)")


RANGE_TOLERANCE = 1e-3  # rounding slack allowed outside a range, as a share of its width


class RangeError(DataError, ValueError):
    """Values outside the range a function expects; the message names the conversion to use."""


class LimitError(DataError):
    """An input beyond a documented limit (pixels, bytes, seconds, files); the message names it."""


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _suggest(low: float, high: float, lo: float, hi: float, dtype: np.dtype) -> str:
    """Where values in [lo, hi] seem to come from, and the conversion to [low, high] that fits."""
    look = _look(low, high, lo, hi, dtype)
    return f"These look like {look}." if look else ""


def _look(low: float, high: float, lo: float, hi: float, dtype: np.dtype) -> str:
    integer = np.issubdtype(dtype, np.integer)
    if (low, high) == (0.0, 1.0):
        if integer and lo >= 0 and hi <= 255:
            return f"values in [0, 255] ({dtype}): use gm.to_unit(...)"
        if lo >= -1 - RANGE_TOLERANCE and hi <= 1 + RANGE_TOLERANCE:
            return "values in [-1, 1] (a tanh output): use gm.from_signed(...)"
        if lo >= 0 and hi <= 255:
            return ("values in [0, 255] stored as floats: cast them with .astype(np.uint8), then use "
                    "gm.to_unit(...)")
    if (low, high) == (-1.0, 1.0) and lo >= 0 and hi <= 255:
        return "values in [0, 255]: use gm.to_signed(...) on the uint8 pixels"
    return ""


def check_range(array: Any, low: float, high: float, name: str = "values", hint: str = "", *,
                error: type[Exception] = RangeError, tolerance: float = RANGE_TOLERANCE) -> np.ndarray:
    """``array`` as float32 clipped to [low, high]; refuse NaN, infinities and values outside.

    Values may stray ``tolerance`` × (high − low) outside (rounding). Otherwise ``error`` is
    raised naming ``name``, the range expected and the range found, then ``hint`` or, without
    one, the conversion that fits the values found (0..255 → ``gm.to_unit``, [−1, 1] →
    ``gm.from_signed``). The one range check of the package: images, metrics, explorers.
    """
    expected = f"expected values in [{_fmt(low)}, {_fmt(high)}]"
    try:
        raw = np.asarray(array)
        if not (np.issubdtype(raw.dtype, np.number) or raw.dtype == np.bool_):
            raise TypeError(f"dtype {raw.dtype} is not numeric")
        if np.iscomplexobj(raw):
            raise TypeError("complex values have no order")
    except (TypeError, ValueError) as failure:
        raise error(f"{name}: cannot be read as numbers ({failure}); {expected}.") from failure
    if raw.size == 0:
        return raw.astype(np.float32)
    if np.issubdtype(raw.dtype, np.floating) and not np.all(np.isfinite(raw)):
        raise error(f"{name}: contains NaN or infinite values; {expected}.")
    lo, hi = float(raw.min()), float(raw.max())
    slack = tolerance * (high - low)
    if lo < low - slack or hi > high + slack:
        hint = hint or _suggest(low, high, lo, hi, raw.dtype)
        raise error(f"{name}: got values in [{_fmt(lo)}, {_fmt(hi)}]; {expected}." + (f" {hint}" if hint else ""))
    values = raw.astype(np.float32)
    return np.clip(values, low, high, out=values) if (lo < low or hi > high) else values


def _pixels(images: Any, conversion: str) -> np.ndarray:
    """Integer pixels in 0..255 as float32, or a :class:`RangeError` naming what they look like."""
    array = np.asarray(images)
    if not np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        lo = float(np.nanmin(array)) if array.size and np.issubdtype(array.dtype, np.number) else 0.0
        hi = float(np.nanmax(array)) if array.size and np.issubdtype(array.dtype, np.number) else 0.0
        if 0.0 <= lo and hi <= 1.0:
            found = "already in [0, 1]: the images are scaled already; do not call to_unit or to_signed twice"
        elif -1.0 <= lo and hi <= 1.0:
            found = "already in [-1, 1]: the images are scaled already (gm.from_signed(...) maps them to [0, 1])"
        else:
            found = "values stored as floats: cast whole pixel values with .astype(np.uint8) first"
        raise RangeError(f"{conversion} expects uint8 pixels in [0, 255]; got {array.dtype} "
                         f"in [{_fmt(lo)}, {_fmt(hi)}]: {found}.")
    return check_range(array, 0, 255, "images", tolerance=0.0, hint="These are not 8-bit pixels.")


def to_unit(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 → float32 in [0, 1] (for sigmoid/BCE models such as the VAE).

    Integer pixels only: floats (already scaled, or not pixels) are refused with what to do.
    Used by chapters 01, 03, 04, 05.
    """
    return _pixels(images, "to_unit") / 255.0


def to_signed(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 → float32 in [−1, 1] (for tanh generators: DCGAN, CGAN, WGAN).

    Used by chapters 03, 04, 05.
    """
    return _pixels(images, "to_signed") / 127.5 - 1.0


def from_signed(images: Any) -> np.ndarray:
    """[−1, 1] (a tanh output) → float32 [0, 1]; values outside [−1, 1] are refused, not clipped.

    Used by chapters 03, 04, 05.
    """
    values = check_range(images, -1.0, 1.0, "from_signed input")
    return (values + 1.0) / 2.0


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, flush it to disk, rename it to ``path``.

    Readers see the old file or the new one, never half of one; if ``write`` fails, nothing
    changes and the temporary file is removed. ``tmp`` keeps ``path``'s suffix (``np.savez``
    appends ``.npz`` otherwise). Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
