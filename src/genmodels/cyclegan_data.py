"""CycleGAN data: the paper's unpaired datasets, and an offline digit pair whose pairing is known.

Online, :func:`load_dataset` downloads one of the CycleGAN paper's datasets (Zhu et al. 2017;
facades first), served as zip files with the layout ``trainA/ trainB/ testA/ testB/``, checks it,
extracts it safely and caches it. Offline (and in the quick and standard profiles),
:func:`make_digit_pair` builds a small unpaired pair from the shipped MNIST digits: domain X
draws digits in one style, domain Y a fixed restyling of them (thicker strokes, inverted and
tinted colours). The two training sets use disjoint digits, so nothing pairs them; the test set
keeps the pairs, so the translation error against the truth can be measured.

Why the checksum is trust-on-first-use: the server publishes no digests, and none could be
computed where this package was written (no internet), so any digest written here would be
invented. Instead a download is accepted only if its size matches the server's
``Content-Length`` (a truncated transfer fails), and its SHA-256 is then recorded in
``checksums.json`` next to the cache. Every later use verifies the archive against that record; an
archive that no longer matches (corrupted on disk, tampered with, replaced) is refused and
deleted. Readers who want to pin a digest pass ``expected_sha256``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import numpy as np

from .data import (
    ChecksumError,
    DataError,
    DownloadError,
    Mnist,
    load_offline_mnist,
    offline_requested,
    sha256_of,
)
from .training import cache_dir

URL_TEMPLATE = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
# The unpaired datasets of the CycleGAN paper that the authors' download script serves
# (cityscapes is left out: its licence forbids redistribution, so the server does not carry it).
DATASETS: tuple[str, ...] = (
    "facades", "apple2orange", "horse2zebra", "summer2winter_yosemite", "monet2photo",
    "cezanne2photo", "ukiyoe2photo", "vangogh2photo", "maps", "iphone2dslr_flower", "ae_photos",
)
SPLITS: tuple[str, ...] = ("trainA", "trainB", "testA", "testB")
CHECKSUM_FILE = "checksums.json"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
# The paper's jitter: resize to 286 px, crop a random 256 px square, flip half the images.
LOAD_RATIO = 286 / 256


class UnknownDatasetError(DataError, KeyError):
    """A dataset name that the CycleGAN server does not serve; the message lists the valid ones."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class UnsafeArchiveError(DataError):
    """An archive entry would land outside the target folder (or is a link or a device)."""


@dataclass(frozen=True)
class DomainPair:
    """Two image domains as uint8 RGB arrays (N, H, W, 3); test pairs aligned when ``paired_test``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    paired_test: bool = False
    labels_test: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"DomainPair({self.source}: X {len(self.x_train)} / Y {len(self.y_train)} train, "
                f"{len(self.x_test)} / {len(self.y_test)} test, paired test: {self.paired_test})")


# ----------------------------------------------------------------------------- names
def check_name(name: str) -> str:
    """Return ``name`` if the server serves it, else raise :class:`UnknownDatasetError` listing all."""
    if name not in DATASETS:
        raise UnknownDatasetError(
            f"no CycleGAN dataset named {name!r}; available: {', '.join(DATASETS)} "
            "(or use make_digit_pair() offline).")
    return name


# ----------------------------------------------------------------------------- download
def fetch(url: str, destination: Path, timeout: float = 60.0) -> int:
    """Download ``url`` to ``destination`` via a temporary file and an atomic rename; return bytes.

    A transfer shorter than the server's ``Content-Length`` raises :class:`ChecksumError` and
    leaves nothing behind. ``file://`` URLs work too (tests, local mirrors).
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=destination.name + ".", suffix=".part", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            try:
                shutil.copyfileobj(response, out, length=1 << 20)
            except http.client.IncompleteRead as error:
                raise ChecksumError(f"download of {url} broke off after {out.tell()} bytes "
                                    f"({error}); nothing was kept. Run again to retry.") from error
        size = tmp.stat().st_size
        if expected is not None and size != int(expected):
            raise ChecksumError(f"download of {url} is truncated: got {size} of {int(expected)} bytes; "
                                "nothing was kept. Run again to retry.")
        os.replace(tmp, destination)
        return size
    finally:
        tmp.unlink(missing_ok=True)


def _read_records(root: Path) -> dict[str, dict]:
    path = root / CHECKSUM_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def _write_records(root: Path, records: dict[str, dict]) -> None:
    tmp = root / (CHECKSUM_FILE + ".tmp")
    tmp.write_text(json.dumps(records, indent=1, sort_keys=True))
    os.replace(tmp, root / CHECKSUM_FILE)


def _discard(archive: Path, name: str) -> None:
    archive.unlink(missing_ok=True)
    shutil.rmtree(archive.parent / name, ignore_errors=True)


def download_dataset(name: str, root: Path | None = None, url: str | None = None,
                     expected_sha256: str | None = None) -> Path:
    """The verified archive of dataset ``name`` in ``root`` (default ``cache_dir("cyclegan")``).

    First use: download, check the size, record the SHA-256 (trust on first use, see the module
    docstring) or compare it with ``expected_sha256``. Later uses: verify against the record; a
    mismatch deletes the archive (and its extraction) and raises :class:`ChecksumError`.
    """
    check_name(name)
    root = Path(root) if root is not None else cache_dir("cyclegan")
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"{name}.zip"
    records = _read_records(root)
    record = records.get(name)
    if archive.is_file() and record is None:
        _discard(archive, name)  # an archive nobody vouched for: fetch a fresh one
    if archive.is_file():
        actual = sha256_of(archive)
        wanted = expected_sha256 or record["sha256"]
        if actual != wanted:
            _discard(archive, name)
            raise ChecksumError(
                f"{archive} has SHA-256 {actual}, but {wanted} was recorded when it was first "
                "downloaded: the file is corrupted or was replaced. It has been deleted; run again to "
                f"download a fresh copy (if the server's file really changed, remove {name!r} from "
                f"{root / CHECKSUM_FILE}).")
        return archive
    url = url or URL_TEMPLATE.format(name=name)
    try:
        size = fetch(url, archive)
    except ChecksumError:
        raise
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise DownloadError(
            f"downloading {url} failed ({type(error).__name__}: {error}). Without internet, set "
            "GENMODELS_OFFLINE=1 and use the offline digit pair (make_digit_pair).") from error
    actual = sha256_of(archive)
    if expected_sha256 is not None and actual != expected_sha256:
        _discard(archive, name)
        raise ChecksumError(f"{url} has SHA-256 {actual}, expected {expected_sha256}; it was deleted.")
    records[name] = {"sha256": actual, "size": size, "url": url,
                     "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write_records(root, records)
    return archive


# ----------------------------------------------------------------------------- extraction
def _check_member(name: str, target: Path) -> None:
    """Refuse absolute paths, drive letters and ``..`` that would leave ``target``."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (pure.parts and ":" in pure.parts[0]):
        raise UnsafeArchiveError(f"archive entry {name!r} is an absolute path; refusing to extract.")
    resolved = (target / pure).resolve()
    if resolved != target and target not in resolved.parents:
        raise UnsafeArchiveError(f"archive entry {name!r} would be written outside {target}; "
                                 "refusing to extract the archive.")


def safe_extract(archive: Path, target: Path) -> Path:
    """Extract a zip or tar ``archive`` into ``target``, refusing any entry that would escape it.

    Every member is checked before anything is written; tar links and devices are refused, and
    tar extraction also uses Python's ``data`` filter. Extraction goes to a sibling folder that is
    renamed into place at the end, so a failed extraction never leaves a half-filled ``target``.
    """
    archive, target = Path(archive), Path(target).resolve()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member(info.filename, staging)
                zf.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                members = tar.getmembers()
                for member in members:
                    _check_member(member.name, staging)
                    if not (member.isfile() or member.isdir()):
                        raise UnsafeArchiveError(f"archive entry {member.name!r} is a link or a device; "
                                                 "refusing to extract the archive.")
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(staging, members=members, filter="data")
                else:  # Python < 3.10.12: the member checks above are the guard
                    tar.extractall(staging, members=members)
        else:
            raise DataError(f"{archive} is neither a zip nor a tar archive.")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# ----------------------------------------------------------------------------- images
def _read_folder(folder: Path, size: int) -> np.ndarray:
    from PIL import Image

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder} holds no images; delete it and load again.")
    images = []
    for path in files:
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)))
    return np.stack(images).astype(np.uint8)


def load_dataset(name: str = "facades", size: int = 256, root: Path | None = None,
                 url: str | None = None, expected_sha256: str | None = None) -> DomainPair:
    """A CycleGAN-paper dataset as uint8 arrays: train images at 286/256·``size`` (for the random
    crop of :func:`train_pipeline`), test images at ``size``. Downloads, verifies and extracts once."""
    check_name(name)
    if offline_requested():
        raise DownloadError(f"GENMODELS_OFFLINE=1 is set, so {name!r} cannot be downloaded; use "
                            "make_digit_pair() or unset GENMODELS_OFFLINE.")
    root = Path(root) if root is not None else cache_dir("cyclegan")
    archive = download_dataset(name, root, url, expected_sha256)
    extracted = root / name
    if not (extracted / ".complete").is_file():
        safe_extract(archive, extracted)
        (extracted / ".complete").write_text(sha256_of(archive))
    found = {split: next((p for p in extracted.rglob(split) if p.is_dir()), None) for split in SPLITS}
    missing = [split for split, path in found.items() if path is None]
    if missing:
        raise DataError(f"{archive} lacks the folders {missing}; it is not a CycleGAN dataset.")
    load = round(size * LOAD_RATIO)
    return DomainPair(_read_folder(found["trainA"], load), _read_folder(found["trainB"], load),
                      _read_folder(found["testA"], size), _read_folder(found["testB"], size),
                      source=f"{name} (CycleGAN datasets, {URL_TEMPLATE.format(name=name)})")


# ----------------------------------------------------------------------------- offline pair
X_INK, X_PAPER = np.array([1.0, 0.82, 0.25]), np.array([0.06, 0.10, 0.30])  # amber on navy
Y_INK, Y_PAPER = np.array([0.55, 0.08, 0.20]), np.array([0.93, 0.93, 0.82])  # crimson on cream


def _pad(gray: np.ndarray, size: int) -> np.ndarray:
    gray = np.asarray(gray, dtype=np.float32) / 255.0
    before = (size - gray.shape[1]) // 2
    after = size - gray.shape[1] - before
    return np.pad(gray, ((0, 0), (before, after), (before, after)))


def _paint(ink: np.ndarray, ink_rgb: np.ndarray, paper_rgb: np.ndarray) -> np.ndarray:
    rgb = paper_rgb * (1.0 - ink[..., None]) + ink_rgb * ink[..., None]
    return np.rint(rgb * 255.0).astype(np.uint8)


def style_x(digits: np.ndarray, size: int = 32) -> np.ndarray:
    """Domain X: (N, 28, 28) uint8 digits → (N, size, size, 3) amber strokes on navy paper."""
    return _paint(_pad(digits, size), X_INK, X_PAPER)


def style_y(digits: np.ndarray, size: int = 32) -> np.ndarray:
    """Domain Y: the same digits with strokes thickened by a 3×3 grey dilation, crimson on cream."""
    from scipy.ndimage import grey_dilation

    ink = grey_dilation(_pad(digits, size), size=(1, 3, 3))
    return _paint(ink, Y_INK, Y_PAPER)


def make_digit_pair(mnist: Mnist | None = None, size: int = 32, seed: int = 0) -> DomainPair:
    """The offline unpaired pair: X and Y training sets from DISJOINT halves of the training digits
    (a seeded split), and the test digits in both styles, aligned (``paired_test=True``)."""
    if size < 28 or size % 16:
        raise ValueError(f"size must be ≥ 28 and divisible by 16 (four stride-2 levels); got {size}")
    mnist = mnist or load_offline_mnist()
    order = np.random.default_rng(seed).permutation(len(mnist.x_train))
    half = len(order) // 2
    return DomainPair(style_x(mnist.x_train[order[:half]], size), style_y(mnist.x_train[order[half:]], size),
                      style_x(mnist.x_test, size), style_y(mnist.x_test, size),
                      source=f"offline digit pair from {mnist.source}", paired_test=True,
                      labels_test=np.asarray(mnist.y_test))


# ----------------------------------------------------------------------------- tf.data
def train_pipeline(x_images: np.ndarray, y_images: np.ndarray, size: int, batch_size: int,
                   seed: int = 0, jitter: bool = False):
    """An infinite ``tf.data`` stream of unpaired batches ``(x, y)`` in [−1, 1].

    Each domain is shuffled on its own (seeded, so a resumed run sees the same batches). With
    ``jitter`` (the paper's augmentation) each image, stored at 286/256·``size``, is cropped to a
    random ``size`` square and flipped left-right with probability 1/2, with stateless seeds.
    """
    import tensorflow as tf

    def stream(images: np.ndarray, offset: int) -> tf.data.Dataset:
        ds = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed + offset).repeat()
        return ds.enumerate()

    def prepare(index, image, offset):
        image = tf.cast(image, tf.float32) / 127.5 - 1.0
        if jitter:
            pair = tf.stack([tf.cast(index, tf.int32), tf.constant(seed + offset, tf.int32)])
            image = tf.image.stateless_random_crop(image, (size, size, 3), seed=pair)
            image = tf.image.stateless_random_flip_left_right(image, seed=pair + 1)
        return image

    xs = stream(x_images, 0).map(lambda i, im: prepare(i, im, 0))
    ys = stream(y_images, 1).map(lambda i, im: prepare(i, im, 1))
    return tf.data.Dataset.zip((xs, ys)).batch(batch_size, drop_remainder=True).prefetch(2)
