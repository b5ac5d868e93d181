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
invented. Instead a download is accepted only if it is a complete zip archive (zip magic bytes,
an intact central directory, not an HTML page such as a captive portal's), its size matches the
server's ``Content-Length`` and, when given, ``expected_sha256``; only then is it renamed into
the cache and its SHA-256 recorded in ``checksums.json`` (with the URL it came from). Every later
use verifies the archive against that record; an archive that no longer matches (corrupted on
disk, tampered with, replaced) is refused and deleted. An extraction remembers the digest of the
archive it came from and is redone when the archive changed.

Limits (module constants): :data:`MAX_ARCHIVE_BYTES` and :data:`DOWNLOAD_SECONDS` per download;
:data:`MAX_EXTRACT_BYTES`, :data:`MAX_EXTRACT_FILES` and :data:`MAX_EXTRACT_RATIO` per extraction;
images inside are held to :data:`genmodels.images.MAX_PIXELS`.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .data import (
    ChecksumError,
    DataError,
    DownloadError,
    LimitError,
    Mnist,
    atomic_write,
    load_offline_mnist,
    offline_requested,
    sha256_of,
)
from .downloads import download_file
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
COMPLETE_MARKER = ".complete"  # holds the SHA-256 of the archive an extraction came from

# Limits. The largest dataset the server holds is under 1.5 GB; JPEG archives barely compress.
MAX_ARCHIVE_BYTES = 2 * 2**30  # bytes per download
DOWNLOAD_SECONDS = 3600.0  # overall deadline per download (2 GB in an hour is 0.6 MB/s)
URL_TIMEOUT = 60.0  # seconds one socket read may wait
MAX_EXTRACT_BYTES = 4 * 2**30  # bytes written per extraction, counted as they are written
MAX_EXTRACT_FILES = 50_000  # entries per archive (the largest dataset has about 8,000 images)
MAX_EXTRACT_RATIO = 20  # bytes extracted per archive byte (+1 MiB): a zip bomb's ratio is ~1,000
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip


class UnknownDatasetError(DataError, KeyError):
    """A dataset name that the CycleGAN server does not serve; the message lists the valid ones.

    Used by chapter 06.
    """

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
def check_zip(path: Path, headers: Any = None, url: str = "the download") -> None:
    """Refuse a download that is not a complete zip archive (checked before it is kept)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if not head.startswith(ZIP_MAGIC):
        kind = (headers.get("Content-Type") if headers is not None else None) or "unknown type"
        page = b"<html" in head.lower() or b"<!doctype" in head.lower() or "html" in str(kind).lower()
        raise ChecksumError(
            f"{url} is not a zip archive (Content-Type {kind}; it starts with {head[:24]!r})"
            + (": an HTML page, as a captive portal, login or error page sends." if page else ".")
            + " Nothing was kept. Check the URL and your network, then run again.")
    try:
        with zipfile.ZipFile(path) as zf:
            zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ChecksumError(f"{url} is an incomplete zip archive ({error}): the download was cut short. "
                            "Nothing was kept. Run again to retry.") from error


def fetch(url: str, destination: Path, timeout: float = URL_TIMEOUT, expected_sha256: str | None = None) -> int:
    """Download ``url`` to ``destination`` within the limits; return its size in bytes.

    The file lands in a temporary file and is renamed into place only after it proved a complete
    zip of the announced length (and digest, if given); otherwise :class:`ChecksumError` (or
    :class:`LimitError`) is raised and nothing is left behind. ``file://`` URLs work too.
    """
    def validate(tmp: Path, headers: Any) -> None:
        check_zip(tmp, headers, url)
        if expected_sha256 is not None and (actual := sha256_of(tmp)) != expected_sha256:
            raise ChecksumError(f"{url} has SHA-256 {actual}, expected {expected_sha256}; nothing was kept.")

    return download_file(url, destination, max_bytes=MAX_ARCHIVE_BYTES, seconds=DOWNLOAD_SECONDS,
                         timeout=timeout, validate=validate)


def _read_records(root: Path) -> dict[str, dict]:
    """The records of ``checksums.json``; an unreadable file vouches for nothing (archives are refetched)."""
    path = root / CHECKSUM_FILE
    try:
        records = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(records, dict):
        return {}
    return {name: r for name, r in records.items() if isinstance(r, dict) and isinstance(r.get("sha256"), str)}


def _write_records(root: Path, records: dict[str, dict]) -> None:
    atomic_write(root / CHECKSUM_FILE, lambda tmp: tmp.write_text(json.dumps(records, indent=1, sort_keys=True)))


def _discard(archive: Path, name: str) -> None:
    """Delete the archive, its extraction and its record: the next run starts afresh."""
    archive.unlink(missing_ok=True)
    shutil.rmtree(archive.parent / name, ignore_errors=True)
    records = _read_records(archive.parent)
    if records.pop(name, None) is not None:
        _write_records(archive.parent, records)


def download_dataset(name: str, root: Path | None = None, url: str | None = None,
                     expected_sha256: str | None = None) -> Path:
    """The verified archive of dataset ``name`` in ``root`` (default ``cache_dir("cyclegan")``).

    First use: download, check that it is a complete zip of the announced size (and digest, if
    ``expected_sha256``), then record its SHA-256 (trust on first use, see the module docstring).
    Later uses: verify against the record; a mismatch deletes the archive (and its extraction)
    and raises :class:`ChecksumError`. An explicit ``url`` other than the recorded one fetches afresh.
    """
    check_name(name)
    root = Path(root) if root is not None else cache_dir("cyclegan")
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"{name}.zip"
    record = _read_records(root).get(name)
    if archive.is_file() and (record is None or (url is not None and record.get("url") != url)):
        _discard(archive, name)  # nobody vouched for it, or it came from another URL: fetch afresh
        record = None
    url = url or URL_TEMPLATE.format(name=name)
    if archive.is_file() and record is not None:
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
    try:
        size = fetch(url, archive, expected_sha256=expected_sha256)
    except DataError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DownloadError(
            f"downloading {url} failed ({type(error).__name__}: {error}). Without internet, set "
            "GENMODELS_OFFLINE=1 and use the offline digit pair (make_digit_pair).") from error
    records = _read_records(root)
    records[name] = {"sha256": sha256_of(archive), "size": size, "url": url,
                     "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write_records(root, records)
    return archive


# ----------------------------------------------------------------------------- extraction
def _check_member(name: str, target: Path) -> PurePosixPath:
    """Refuse absolute paths, drive letters, NUL bytes and ``..`` that would leave ``target``;
    return the entry's relative path."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if "\x00" in name:
        raise UnsafeArchiveError(f"archive entry {name!r} contains a NUL byte; refusing to extract.")
    if pure.is_absolute() or (pure.parts and ":" in pure.parts[0]):
        raise UnsafeArchiveError(f"archive entry {name!r} is an absolute path; refusing to extract.")
    resolved = (target / pure).resolve()
    if resolved != target and target not in resolved.parents:
        raise UnsafeArchiveError(f"archive entry {name!r} would be written outside {target}; "
                                 "refusing to extract the archive.")
    return PurePosixPath(*[part for part in pure.parts if part not in ("", ".")])


class _Budget:
    """Counts files and bytes written by one extraction against its limits."""

    def __init__(self, archive: Path, max_bytes: int, max_files: int, max_ratio: float) -> None:
        self.archive = archive
        self.max_files = max_files
        self.max_bytes = int(min(max_bytes, max_ratio * archive.stat().st_size + 2**20))
        self.files = self.bytes = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise LimitError(f"{self.archive} holds more than {self.max_files:,} entries "
                             "(cyclegan_data.MAX_EXTRACT_FILES); refusing to extract it.")

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.max_bytes:
            raise LimitError(
                f"{self.archive} unpacks to more than {self.max_bytes:,} bytes (at most MAX_EXTRACT_RATIO × "
                "its size, and MAX_EXTRACT_BYTES in all): a zip bomb or not a dataset; extraction stopped "
                "and nothing was kept.")


def _extract_zip(archive: Path, staging: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        paths = []
        for info in infos:
            budget.add_file()
            paths.append(_check_member(info.filename, staging))
        budget.add_bytes(sum(info.file_size for info in infos))  # declared sizes: refuse early
        budget.bytes = 0  # ... then count what is really written
        for info, relative in zip(infos, paths):
            path = staging.joinpath(*relative.parts)
            if info.is_dir() or not relative.parts:
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as source, open(path, "wb") as out:
                while block := source.read(1 << 20):
                    budget.add_bytes(len(block))
                    out.write(block)


def _extract_tar(archive: Path, staging: Path, budget: _Budget) -> None:
    with tarfile.open(archive) as tar:
        members = []
        for member in tar:  # one by one: a tar of millions of entries stops at the limit
            budget.add_file()
            _check_member(member.name, staging)
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(f"archive entry {member.name!r} is a link or a device; "
                                         "refusing to extract the archive.")
            budget.add_bytes(member.size)
            members.append(member)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(staging, members=members, filter="data")
        else:  # Python < 3.10.12: the member checks above are the guard
            tar.extractall(staging, members=members)


def safe_extract(archive: Path, target: Path, *, max_bytes: int = MAX_EXTRACT_BYTES,
                 max_files: int = MAX_EXTRACT_FILES, max_ratio: float = MAX_EXTRACT_RATIO) -> Path:
    """Extract a zip or tar ``archive`` into ``target``, refusing any entry that would escape it
    and any archive beyond the limits (entries, bytes, bytes per archive byte).

    Every member is checked before anything is written; tar links and devices are refused, and
    tar extraction also uses Python's ``data`` filter; zip bytes are counted as they are written
    (declared sizes can lie). Extraction goes to a sibling folder renamed into place at the end,
    so a failed extraction never leaves a half-filled ``target``.
    """
    archive, target = Path(archive), Path(target).resolve()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    budget = _Budget(archive, max_bytes, max_files, max_ratio)
    try:
        try:
            if zipfile.is_zipfile(archive):
                _extract_zip(archive, staging, budget)
            elif tarfile.is_tarfile(archive):
                _extract_tar(archive, staging, budget)
            else:
                raise DataError(f"{archive} is neither a zip nor a tar archive.")
        except DataError:
            raise
        except (zipfile.BadZipFile, tarfile.TarError, RuntimeError, NotImplementedError, EOFError, OSError,
                ValueError) as error:  # corrupt, encrypted or unsupported entries
            raise DataError(f"{archive} cannot be extracted ({type(error).__name__}: {error}); delete it "
                            "and download it again.") from error
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# ----------------------------------------------------------------------------- images
def _read_folder(folder: Path, size: int) -> np.ndarray:
    """Every image in ``folder`` as uint8 (size, size, 3); unreadable ones are skipped with a note."""
    from PIL import Image

    from .images import ImageInputError, decode, open_image

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    images = []
    for path in files:
        try:
            image, _ = decode(open_image(path, path.name), path.name, size)
        except ImageInputError as error:
            print(f"Skipped {path.name}: {error}")
            continue
        images.append(np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)))
    if not images:
        raise DataError(f"{folder} holds no readable images; delete it and load again.")
    return np.stack(images).astype(np.uint8)


def load_dataset(name: str = "facades", size: int = 256, root: Path | None = None,
                 url: str | None = None, expected_sha256: str | None = None) -> DomainPair:
    """A CycleGAN-paper dataset as uint8 arrays: train images at 286/256·``size`` (for the random
    crop of :func:`train_pipeline`), test images at ``size``. Downloads, verifies and extracts once;
    re-extracts when the archive is not the one the extraction came from.
    Used by chapter 06.
    """
    check_name(name)
    if offline_requested():
        raise DownloadError(f"GENMODELS_OFFLINE=1 is set, so {name!r} cannot be downloaded; use "
                            "make_digit_pair() or unset GENMODELS_OFFLINE.")
    root = Path(root) if root is not None else cache_dir("cyclegan")
    archive = download_dataset(name, root, url, expected_sha256)
    digest = sha256_of(archive)
    extracted = root / name
    marker = extracted / COMPLETE_MARKER
    if not marker.is_file() or marker.read_text().strip() != digest:
        safe_extract(archive, extracted)
        marker.write_text(digest)
    found = {split: next((p for p in extracted.rglob(split) if p.is_dir()), None) for split in SPLITS}
    missing = [split for split, path in found.items() if path is None]
    if missing:
        _discard(archive, name)
        raise DataError(f"{archive} lacks the folders {missing}: it is not a CycleGAN dataset. It and its "
                        "record were deleted; check the URL and run again.")
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
    (a seeded split), and the test digits in both styles, aligned (``paired_test=True``).
    Used by chapter 06.
    """
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
    Used by chapter 06.
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
