import shutil

import numpy as np
import pytest

from genmodels import data


def test_offline_split_shapes_and_balance():
    mnist = data.load_offline_mnist()
    assert mnist.x_train.shape == (8000, 28, 28) and mnist.x_test.shape == (2000, 28, 28)
    assert mnist.x_train.dtype == np.uint8 and mnist.y_train.dtype == np.uint8
    test_counts = np.bincount(mnist.y_test, minlength=10)
    all_counts = test_counts + np.bincount(mnist.y_train, minlength=10)
    # Stratified: every class keeps its share (20 %) in the test part, up to rounding.
    assert np.all(np.abs(test_counts - 0.2 * all_counts) <= 0.5)
    assert all_counts.min() > 800
    assert "offline" in mnist.source


def test_split_is_fixed_and_disjoint():
    a, b = data.load_offline_mnist(), data.load_offline_mnist()
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    train = {im.tobytes() for im in a.x_train}
    overlap = sum(im.tobytes() in train for im in a.x_test)
    assert overlap == 0


def test_digits_are_real_digits():
    mnist = data.load_offline_mnist()
    # MNIST digits are centred by mass in a 20x20 box: the border is (nearly) black, ink is present.
    assert (mnist.x_train[:, :2, :] > 0).mean() < 0.001
    ink = (mnist.x_train > 127).mean(axis=(1, 2))
    assert 0.03 < ink.mean() < 0.3
    assert mnist.x_train.max() == 255


def test_offline_env_forces_offline(monkeypatch):
    monkeypatch.setenv("GENMODELS_OFFLINE", "1")
    assert data.offline_requested()
    assert "offline" in data.load_mnist().source
    monkeypatch.setenv("GENMODELS_OFFLINE", "0")
    assert not data.offline_requested()


def test_failed_download_names_the_offline_switch(monkeypatch):
    import keras

    def no_internet():
        raise OSError("Name or service not known")

    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_internet)
    with pytest.raises(data.DownloadError, match="GENMODELS_OFFLINE=1"):
        data.load_mnist()


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_file_names_file_and_checksum(tmp_path, damage):
    copy = tmp_path / "mnist_offline.npz"
    shutil.copy(data.offline_mnist_path(), copy)
    raw = bytearray(copy.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw[len(raw) // 3] ^= 0xFF
    copy.write_bytes(bytes(raw))
    with pytest.raises(data.ChecksumError) as error:
        data.load_offline_mnist(copy)
    message = str(error.value)
    assert str(copy) in message and data.OFFLINE_MNIST_SHA256 in message


def test_missing_file_is_explained(tmp_path):
    with pytest.raises(data.DataError, match="does not exist"):
        data.load_offline_mnist(tmp_path / "nope.npz")


def test_scaling():
    x = np.array([[0, 127, 255]], dtype=np.uint8)
    np.testing.assert_allclose(data.to_unit(x), [[0, 127 / 255, 1]], rtol=1e-6)
    np.testing.assert_allclose(data.to_signed(x), [[-1, 127 / 127.5 - 1, 1]], rtol=1e-6)
    np.testing.assert_allclose(data.from_signed(data.to_signed(x)), data.to_unit(x), atol=1e-6)
    assert data.to_unit(x).dtype == np.float32
    with pytest.raises(data.RangeError, match="scaled already"):
        data.to_unit(np.array([-1.0, 0.5]))


def test_every_shipped_data_file_is_declared_as_package_data():
    """A non-editable install (Colab's ``pip install git+...``) only carries declared files."""
    import fnmatch
    from pathlib import Path

    import tomllib

    root = Path(__file__).resolve().parents[1]
    package = root / "src" / "genmodels"
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["genmodels"]
    shipped = [p.relative_to(package).as_posix() for p in (package / "data").iterdir() if p.is_file()]
    assert shipped, "no data files found"
    missing = [f for f in shipped if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not missing, f"add these to [tool.setuptools.package-data] in pyproject.toml: {missing}"
