"""Photos in, RGB arrays out: the reader's own image (path, URL, PIL image or array) or a sample.

:func:`load_image` turns whatever it is given into one float32 array (H, W, 3) in [0, 1]:
grey → three channels, RGBA / palette → RGB composited on white, 16-bit → 8-bit range, EXIF
rotation applied, very large images shrunk to ``max_side`` (with a notice). What it cannot use
(too small, corrupt, not an image, an unreachable URL) raises :class:`ImageInputError`, whose
message names the input and the problem.

Offline samples: scikit-learn ships ``china.jpg`` and ``flower.jpg``; scikit-image ships a few
more photos (:func:`sample_photos`); this package ships four public-domain paintings
(:func:`painting`, credits in :data:`PAINTINGS`).
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_SIDE = 1024
DEFAULT_MIN_SIDE = 32  # below this, VGG's four poolings leave almost nothing of the image
URL_TIMEOUT = 20.0

# Photos shipped by scikit-learn (``load_sample_image``) and scikit-image (``skimage.data``).
SKLEARN_PHOTOS: tuple[str, ...] = ("china", "flower")
SKIMAGE_PHOTOS: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field",
                                   "immunohistochemistry", "camera", "coins", "moon", "grass", "brick")


class ImageInputError(ValueError):
    """An input that cannot be used as an image; the message names it and says what to do."""


def _describe(source: Any) -> str:
    if isinstance(source, np.ndarray):
        return f"array of shape {source.shape} ({source.dtype})"
    if isinstance(source, Image.Image):
        return f"PIL image {source.size[0]}×{source.size[1]} ({source.mode})"
    return repr(str(source))


def _is_url(source: Any) -> bool:
    return isinstance(source, str) and source.split("://", 1)[0].lower() in {"http", "https", "ftp"}


def _open(source: Any, timeout: float) -> Image.Image:
    """A PIL image from a path or URL, fully decoded (so that corrupt files fail here)."""
    name = _describe(source)
    if _is_url(source):
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response:  # http(s)/ftp only
                payload = response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ImageInputError(
                f"cannot download the image {name}: {error}. Check the address and your connection, "
                "or download the file yourself and pass its path.") from error
        stream: Any = io.BytesIO(payload)
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ImageInputError(f"no image file at {name}: the path does not exist or is a folder.")
        stream = path
    try:
        image = Image.open(stream)
        image.load()
    except UnidentifiedImageError as error:
        raise ImageInputError(f"{name} is not an image file PIL can read (JPEG, PNG, BMP, TIFF, ...).") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageInputError(f"{name} looks like an image but cannot be decoded ({error}): the file is "
                              "truncated or corrupt.") from error
    return image


def _pil_to_rgb(image: Image.Image) -> np.ndarray:
    """Any PIL mode → float32 (H, W, 3) in [0, 1]; alpha composited on white, 16-bit rescaled."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if image.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        return _array_to_rgb(values / peak)
    if image.mode == "F":
        return _array_to_rgb(np.asarray(image, dtype=np.float32))
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def _array_to_rgb(array: np.ndarray, name: str = "the array") -> np.ndarray:
    """An array (H, W), (H, W, 1|3|4) → float32 (H, W, 3) in [0, 1], by its dtype and range."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        raise ImageInputError(f"{name} looks channels-first {array.shape}; pass it as (H, W, C) "
                              "(np.moveaxis(a, 0, -1)).")
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise ImageInputError(f"{name} has shape {array.shape}; expected (H, W), (H, W, 1), (H, W, 3) "
                              "or (H, W, 4).")
    if array.dtype == bool:
        values = array.astype(np.float32)
    elif array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / 65535.0
    elif np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float32)
        if not np.all(np.isfinite(values)):
            raise ImageInputError(f"{name} contains NaN or infinite values.")
        lo, hi = float(values.min(initial=0.0)), float(values.max(initial=0.0))
        if lo < 0.0:
            raise ImageInputError(f"{name} has negative values (min {lo:.3g}); expected [0, 1] or 0..255. "
                                  "If it is in [−1, 1], pass gm.from_signed(a).")
        if hi > 255.0:
            values = values / 65535.0  # 16-bit data stored in a wider type
        elif hi > 1.0:
            values = values / 255.0
    else:
        raise ImageInputError(f"{name} has dtype {array.dtype}; expected integers or floats.")
    if values.shape[-1] == 4:  # composite on white
        alpha = values[..., 3:]
        values = values[..., :3] * alpha + (1.0 - alpha)
    if values.shape[-1] == 1:
        values = np.repeat(values, 3, axis=-1)
    return np.clip(values, 0.0, 1.0).astype(np.float32)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an RGB image in [0, 1] to ``size`` = (height, width), with antialiasing."""
    pil = Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8))
    out = pil.resize((int(size[1]), int(size[0])), Image.Resampling.LANCZOS)
    return np.asarray(out, dtype=np.float32) / 255.0


def fit_side(image: np.ndarray, side: int, which: str = "long") -> np.ndarray:
    """Resize keeping the aspect ratio so that the longer (or shorter) side is ``side`` pixels."""
    h, w = image.shape[:2]
    ref = max(h, w) if which == "long" else min(h, w)
    scale = side / ref
    return resize(image, (max(1, round(h * scale)), max(1, round(w * scale))))


def center_square(image: np.ndarray, side: int) -> np.ndarray:
    """The central square of the image, resized to ``side``×``side``."""
    h, w = image.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return resize(image[top:top + s, left:left + s], (side, side))


def load_image(source: Any, max_side: int | None = DEFAULT_MAX_SIDE, min_side: int = DEFAULT_MIN_SIDE,
               timeout: float = URL_TIMEOUT, name: str | None = None) -> np.ndarray:
    """The reader's image as float32 (H, W, 3) in [0, 1].

    ``source``: a path, an http(s) URL, a PIL image, or an array (H, W[, C]) of uint8, uint16,
    bool or floats in [0, 1] / 0..255. Images whose longer side exceeds ``max_side`` are shrunk
    to it (a notice says so); images whose shorter side is below ``min_side`` are refused.
    """
    label = name or _describe(source)
    if isinstance(source, np.ndarray):
        if source.size == 0:
            raise ImageInputError(f"{label} is empty.")
        rgb = _array_to_rgb(source, label)
    else:
        if isinstance(source, Image.Image):
            pil = source
        elif isinstance(source, (str, Path)):
            pil = _open(source, timeout)
        else:
            raise ImageInputError(f"cannot use {type(source).__name__} {label} as an image; pass a path, "
                                  "a URL, a PIL image or a NumPy array (H, W, 3).")
        rgb = _pil_to_rgb(pil)
    h, w = rgb.shape[:2]
    if min(h, w) < min_side:
        raise ImageInputError(f"{label} is {w}×{h} pixels: too small for the network (the shorter side "
                              f"must be at least {min_side} pixels). Use a larger image.")
    if max_side is not None and max(h, w) > max_side:
        rgb = fit_side(rgb, max_side, "long")
        print(f"Note: {label} is {w}×{h} pixels; resized to {rgb.shape[1]}×{rgb.shape[0]} "
              f"(longest side {max_side}).")
    return rgb


def sample_image(name: str) -> np.ndarray:
    """A photo shipped with scikit-learn (``china``, ``flower``) or scikit-image, as (H, W, 3) in [0, 1]."""
    if name in SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        return load_image(load_sample_image(f"{name}.jpg"), max_side=None, name=f"{name}.jpg")
    if name in SKIMAGE_PHOTOS:
        import skimage.data

        return load_image(getattr(skimage.data, name)(), max_side=None, name=f"skimage.data.{name}")
    raise ImageInputError(f"no sample photo named {name!r}; known: {', '.join(SKLEARN_PHOTOS + SKIMAGE_PHOTOS)}")


# Public-domain paintings shipped in genmodels/data (downscaled to 512 px on the longer side) from
# the examples of jcjohnson/neural-style (MIT); name → credit line.
PAINTINGS: dict[str, str] = {
    "starry_night": "The Starry Night, Vincent van Gogh, 1889; Museum of Modern Art, New York; "
                    "public domain",
    "the_scream": "The Scream, Edvard Munch, 1893; Nasjonalmuseet, Oslo; public domain",
    "shipwreck": "The Shipwreck, J. M. W. Turner, 1805; Tate Britain, London; public domain",
    "woman_with_hat": "Woman with a Hat, Henri Matisse, 1905; San Francisco Museum of Modern Art; "
                      "public domain",
}


def painting_path(name: str) -> Path:
    """The shipped JPEG of a painting in :data:`PAINTINGS`."""
    if name not in PAINTINGS:
        raise ImageInputError(f"no painting named {name!r}; known: {', '.join(PAINTINGS)}")
    return Path(__file__).resolve().parent / "data" / f"{name}.jpg"


def painting(name: str) -> np.ndarray:
    """A public-domain painting shipped with the package, as (H, W, 3) in [0, 1]; its credit line is
    ``PAINTINGS[name]``."""
    return load_image(painting_path(name), max_side=None, name=f"{name}.jpg")


def sample_photos(names: Sequence[str] = SKLEARN_PHOTOS + SKIMAGE_PHOTOS) -> dict[str, np.ndarray]:
    """Several shipped photos by name (grey ones as three equal channels)."""
    return {name: sample_image(name) for name in names}


def random_crops(photos: Sequence[np.ndarray], n: int, size: int, seed: int = 0,
                 scale: tuple[float, float] = (0.3, 1.0)) -> np.ndarray:
    """``n`` square crops (n, size, size, 3) from random photos: side a random share ``scale`` of the
    shorter side, random position, random horizontal flip, resized to ``size``."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, size, size, 3), dtype=np.float32)
    for i in range(n):
        photo = photos[rng.integers(len(photos))]
        h, w = photo.shape[:2]
        side = max(size // 2, int(min(h, w) * rng.uniform(*scale)))
        side = min(side, h, w)
        top, left = rng.integers(h - side + 1), rng.integers(w - side + 1)
        crop = resize(photo[top:top + side, left:left + side], (size, size))
        out[i] = crop[:, ::-1] if rng.random() < 0.5 else crop
    return out


def load_photo_folder(folder: str | Path, limit: int | None = None, max_side: int = 512,
                      seed: int = 0) -> list[np.ndarray]:
    """Up to ``limit`` photos (a seeded random choice) from the JPEG/PNG files under ``folder``."""
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not paths:
        raise ImageInputError(f"no JPEG or PNG files under {str(folder)!r}.")
    if limit is not None and len(paths) > limit:
        chosen = np.random.default_rng(seed).choice(len(paths), size=limit, replace=False)
        paths = [paths[i] for i in sorted(chosen)]
    photos = []
    for path in paths:
        try:
            photos.append(fit_side(load_image(path, max_side=None), max_side, "long"))
        except ImageInputError as error:  # one bad file in a large folder: skip it, say so
            print(f"Skipped {path.name}: {error}")
    return photos
