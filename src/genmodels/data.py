"""MNIST online (the Keras loader, cached) or offline (10,000 real digits shipped in the package).

``GENMODELS_OFFLINE=1`` forces the offline path. Without it, :func:`load_mnist` tries the Keras
loader and, if the download fails, raises :class:`DownloadError` saying how to go offline.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
    """True when ``GENMODELS_OFFLINE`` is set to a true value (1, true, yes, on)."""
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


def to_unit(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 → float32 in [0, 1] (for sigmoid/BCE models such as the VAE)."""
    _check_uint8_range(images)
    return np.asarray(images, dtype=np.float32) / 255.0


def to_signed(images: np.ndarray) -> np.ndarray:
    """uint8 pixels 0..255 → float32 in [−1, 1] (for tanh generators: DCGAN, CGAN, WGAN)."""
    _check_uint8_range(images)
    return np.asarray(images, dtype=np.float32) / 127.5 - 1.0


def from_signed(images: np.ndarray) -> np.ndarray:
    """[−1, 1] → [0, 1], clipped (for plotting tanh outputs)."""
    return np.clip((np.asarray(images, dtype=np.float32) + 1.0) / 2.0, 0.0, 1.0)


def _check_uint8_range(images: np.ndarray) -> None:
    images = np.asarray(images)
    if images.dtype != np.uint8 and (images.min(initial=0) < 0 or images.max(initial=0) > 255):
        raise DataError(
            f"expected pixel values 0..255 (uint8), got {images.dtype} in "
            f"[{images.min():.3g}, {images.max():.3g}]; are the images scaled already?"
        )
