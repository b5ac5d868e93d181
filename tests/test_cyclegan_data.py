"""CycleGAN data: names, trust-on-first-use checksums, safe extraction, the offline digit pair."""

import io
import json
import tarfile
import zipfile
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from genmodels import cyclegan_data as cd
from genmodels.data import ChecksumError, DownloadError


def png(color):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
    return path


def fake_dataset_zip(path, name="facades"):
    entries = {f"{name}/{split}/{i}.png": png((40 * i, 10, 200)) for split in cd.SPLITS for i in range(2)}
    return make_zip(path, entries)


# ----------------------------------------------------------------------------- names
def test_unknown_name_lists_the_available_ones(tmp_path):
    with pytest.raises(cd.UnknownDatasetError) as info:
        cd.download_dataset("horses2zebras", root=tmp_path)
    message = str(info.value)
    assert "horses2zebras" in message and "facades" in message and "horse2zebra" in message
    assert not any(tmp_path.iterdir())  # nothing was downloaded


# ----------------------------------------------------------------------------- download
def test_file_url_download_records_digest_and_loads(tmp_path, monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    source = fake_dataset_zip(tmp_path / "served.zip")
    root = tmp_path / "cache"
    pair = cd.load_dataset("facades", size=8, root=root, url=source.as_uri())
    record = json.loads((root / cd.CHECKSUM_FILE).read_text())["facades"]
    assert record["sha256"] == cd.sha256_of(source) and record["size"] == source.stat().st_size
    assert pair.x_train.shape == (2, 9, 9, 3) and pair.x_test.shape == (2, 8, 8, 3)  # 286/256 · 8 ≈ 9
    assert pair.x_train.dtype == np.uint8
    # A second use verifies the cached archive and does not download again.
    monkeypatch.setattr(cd, "fetch", lambda *a, **k: pytest.fail("downloaded twice"))
    again = cd.load_dataset("facades", size=8, root=root)
    assert np.array_equal(again.y_test, pair.y_test)


def test_tampered_cached_archive_is_refused_and_deleted(tmp_path):
    source = fake_dataset_zip(tmp_path / "served.zip")
    root = tmp_path / "cache"
    archive = cd.download_dataset("facades", root=root, url=source.as_uri())
    with open(archive, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ChecksumError, match="recorded when it was first downloaded"):
        cd.download_dataset("facades", root=root, url=source.as_uri())
    assert not archive.exists()


def test_truncated_download_fails_and_keeps_nothing(tmp_path, monkeypatch):
    class Short(io.BytesIO):
        headers: ClassVar[dict] = {"Content-Length": "1000"}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(cd.urllib.request, "urlopen", lambda url, timeout: Short(b"x" * 600))
    root = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="truncated: got 600 of 1000 bytes"):
        cd.download_dataset("facades", root=root, url="https://example.invalid/facades.zip")
    assert list(root.iterdir()) == []  # no archive, no temporary file, no record


def test_pinned_digest_mismatch_is_refused(tmp_path):
    source = fake_dataset_zip(tmp_path / "served.zip")
    with pytest.raises(ChecksumError, match="expected 0000"):
        cd.download_dataset("facades", root=tmp_path / "c", url=source.as_uri(), expected_sha256="0000")
    assert not (tmp_path / "c" / "facades.zip").exists()


def test_network_failure_says_how_to_go_offline(tmp_path):
    with pytest.raises(DownloadError, match="GENMODELS_OFFLINE=1"):
        cd.download_dataset("facades", root=tmp_path, url=(tmp_path / "missing.zip").as_uri())


def test_offline_flag_refuses_download(tmp_path, monkeypatch):
    monkeypatch.setenv("GENMODELS_OFFLINE", "1")
    with pytest.raises(DownloadError, match="make_digit_pair"):
        cd.load_dataset("facades", root=tmp_path)


# ----------------------------------------------------------------------------- extraction
@pytest.mark.parametrize("evil", ["../escape.txt", "a/../../escape.txt", "/tmp/escape.txt", "C:/escape.txt"])
def test_zip_entry_escaping_target_is_refused(tmp_path, evil):
    archive = make_zip(tmp_path / "evil.zip", {"ok/file.txt": b"fine", evil: b"gotcha"})
    target = tmp_path / "out" / "data"
    with pytest.raises(cd.UnsafeArchiveError, match="refusing"):
        cd.safe_extract(archive, target)
    assert not target.exists() and not (tmp_path / "out" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()


def test_tar_traversal_and_links_are_refused(tmp_path):
    for name, kind in [("../escape.txt", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)]:
        archive = tmp_path / f"evil{kind}.tar"
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = 6
                tar.addfile(info, io.BytesIO(b"gotcha"))
        with pytest.raises(cd.UnsafeArchiveError, match="refusing"):
            cd.safe_extract(archive, tmp_path / "out")
        assert not (tmp_path / "out").exists() and not (tmp_path / "escape.txt").exists()


def test_safe_tar_extracts(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("facades/trainA/a.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    out = cd.safe_extract(archive, tmp_path / "out")
    assert (out / "facades" / "trainA" / "a.txt").read_bytes() == b"hi"


# ----------------------------------------------------------------------------- offline pair
def test_digit_pair_is_unpaired_in_training_and_paired_in_test():
    pair = cd.make_digit_pair(size=32)
    assert pair.x_train.shape == (4000, 32, 32, 3) and pair.y_train.shape == (4000, 32, 32, 3)
    assert pair.paired_test and pair.x_test.shape == pair.y_test.shape == (2000, 32, 32, 3)
    # Disjoint digits: undo Y's style cannot recover X's digits, so compare the digit sets through
    # the test-time pairing: restyling X's training digits never reproduces a Y training image.
    mnist = cd.load_offline_mnist()
    order = np.random.default_rng(0).permutation(len(mnist.x_train))
    assert set(order[:4000]).isdisjoint(order[4000:])
    restyled = {im.tobytes() for im in cd.style_y(mnist.x_train[order[:4000]])}
    assert not any(im.tobytes() in restyled for im in pair.y_train)
    # The hidden pairing: test image i of Y is the restyling of test image i of X.
    assert np.array_equal(pair.y_test, cd.style_y(mnist.x_test))
    assert np.array_equal(pair.x_test, cd.style_x(mnist.x_test))


def test_restyling_thickens_and_recolours():
    mnist = cd.load_offline_mnist()
    x, y = cd.style_x(mnist.x_test[:50]), cd.style_y(mnist.x_test[:50])
    ink_x = (np.abs(x.astype(int) - np.rint(cd.X_PAPER * 255)).sum(-1) > 60).mean()
    ink_y = (np.abs(y.astype(int) - np.rint(cd.Y_PAPER * 255)).sum(-1) > 60).mean()
    assert ink_y > 1.3 * ink_x  # dilation grows the strokes
    assert np.abs(x.astype(float) - y).mean() / 255 > 0.4  # the identity map is a poor translation


def test_pipeline_is_signed_and_jitters(tmp_path):
    pair = cd.make_digit_pair(size=32)
    x, y = next(iter(cd.train_pipeline(pair.x_train[:8], pair.y_train[:8], 32, batch_size=4)))
    assert x.shape == (4, 32, 32, 3) and y.shape == (4, 32, 32, 3)
    assert -1.0 <= float(np.min(x)) and float(np.max(x)) <= 1.0
    big = np.random.default_rng(0).integers(0, 256, size=(6, 36, 36, 3), dtype=np.uint8)
    xj, _ = next(iter(cd.train_pipeline(big, big, 32, batch_size=3, jitter=True)))
    assert xj.shape == (3, 32, 32, 3)


def test_bad_digit_size():
    with pytest.raises(ValueError, match="divisible by 16"):
        cd.make_digit_pair(size=40)
