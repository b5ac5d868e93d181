"""The public-domain paintings shipped for the style-transfer chapter."""

import fnmatch
from pathlib import Path

import numpy as np
import pytest
import tomllib

from genmodels import images

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(images.PAINTINGS))
def test_each_painting_loads_small_and_credited(name):
    path = images.painting_path(name)
    assert path.stat().st_size <= 150_000, "ship paintings downscaled (≤ 150 kB)"
    picture = images.painting(name)
    assert picture.dtype == np.float32 and picture.ndim == 3 and picture.shape[2] == 3
    assert 256 <= max(picture.shape[:2]) <= 512
    assert picture.std() > 0.05  # a picture, not a blank file
    credit = images.PAINTINGS[name]
    assert "public domain" in credit and any(str(year) in credit for year in range(1700, 1930))


@pytest.mark.parametrize("name", sorted(images.PAINTINGS))
def test_each_painting_is_declared_as_package_data(name):
    """A non-editable install (Colab's ``pip install git+...``) only carries declared files."""
    package = Path(images.__file__).parent  # the installed package, editable or not
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["genmodels"]
    relative = images.painting_path(name).relative_to(package).as_posix()
    assert any(fnmatch.fnmatch(relative, g) for g in globs), relative


def test_each_painting_is_credited_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for credit in images.PAINTINGS.values():
        title = credit.split(",")[0]
        assert title in readme, f"credit {title!r} in the README's attributions"


def test_unknown_painting_names_the_known_ones():
    with pytest.raises(images.ImageInputError, match="starry_night"):
        images.painting("mona_lisa")
