"""Photos in, RGB arrays out: the reader's own image (path, URL, PIL image or array) or a sample.

:func:`load_image` turns whatever it is given into one float32 array (H, W, 3) in [0, 1]:
grey → three channels, RGBA / palette → RGB composited on white, 16-bit → 8-bit range, EXIF
rotation applied, very large images shrunk to ``max_side`` (with a notice). What it cannot use
(too small, corrupt, not an image, an unreachable URL, beyond a limit) raises
:class:`ImageInputError`, whose message names the input and the problem.

Limits, each checked before the work it bounds: :data:`MAX_PIXELS` per image (from the header,
before decoding), :data:`MAX_DOWNLOAD_BYTES` and :data:`DOWNLOAD_SECONDS` per URL.

Offline samples: scikit-learn ships ``china.jpg`` and ``flower.jpg``; scikit-image ships a few
more photos (:func:`sample_photos`); this package ships four public-domain paintings
(:func:`painting`, credits in :data:`PAINTINGS`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .data import DataError, check_range
from .downloads import copy_url

DEFAULT_MAX_SIDE = 1024
DEFAULT_MIN_SIDE = 32  # below this, VGG's four poolings leave almost nothing of the image
# Pixels per image (width × height), read from the file's header BEFORE anything is decoded:
# 50 MP admits a 48-MP phone photo (8,000 × 6,000) and refuses a 12,000 × 12,000 "PNG bomb".
MAX_PIXELS = 50_000_000
MAX_DOWNLOAD_BYTES = 50 * 2**20  # bytes per image URL (a large JPEG is under 20 MB)
DOWNLOAD_SECONDS = 60.0  # overall deadline per image URL, however the bytes trickle in
URL_TIMEOUT = 20.0  # seconds one socket read may wait

# Photos shipped by scikit-learn (``load_sample_image``) and scikit-image (``skimage.data``).
SKLEARN_PHOTOS: tuple[str, ...] = ("china", "flower")
SKIMAGE_PHOTOS: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field",
                                   "immunohistochemistry", "camera", "coins", "moon", "grass", "brick")
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N")


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


def check_pixels(width: int, height: int, name: str) -> None:
    """Refuse images of more than :data:`MAX_PIXELS` pixels (call it before decoding)."""
    if width * height > MAX_PIXELS:
        raise ImageInputError(
            f"{name} is {width}×{height} = {width * height / 1e6:.0f} million pixels, more than the limit of "
            f"{MAX_PIXELS / 1e6:.0f} million (genmodels.images.MAX_PIXELS); decoding it would take gigabytes. "
            "Shrink it with an image editor first.")


def _download(url: str, timeout: float) -> io.BytesIO:
    buffer = io.BytesIO()
    try:
        copy_url(url, buffer, max_bytes=MAX_DOWNLOAD_BYTES, seconds=DOWNLOAD_SECONDS, timeout=timeout)
    except (DataError, OSError, ValueError) as error:
        raise ImageInputError(
            f"cannot download the image {url!r}: {error}. Check the address and your connection, "
            "or download the file yourself and pass its path.") from error
    buffer.seek(0)
    return buffer


def open_image(source: str | Path | io.BytesIO, name: str | None = None, timeout: float = URL_TIMEOUT) -> Image.Image:
    """A PIL image from a path, URL or stream, header read but NOT decoded; its size is checked
    against :data:`MAX_PIXELS` first. Decode it with :func:`decode`."""
    name = name or _describe(source)
    if _is_url(source):
        stream: Any = _download(str(source), timeout)
    elif isinstance(source, io.BytesIO):
        stream = source
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ImageInputError(f"no image file at {name}: the path does not exist or is a folder.")
        stream = path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is lower
            image = Image.open(stream)
    except Image.DecompressionBombError as error:
        raise ImageInputError(f"{name} declares too many pixels ({error}), more than the limit of "
                              f"{MAX_PIXELS / 1e6:.0f} million (genmodels.images.MAX_PIXELS); refusing to decode it. "
                              "Shrink it with an image editor first.") from error
    except UnidentifiedImageError as error:
        raise ImageInputError(f"{name} is not an image file PIL can read (JPEG, PNG, BMP, TIFF, ...).") from error
    except Exception as error:  # a crafted header can make any image plugin fail
        raise ImageInputError(f"{name} looks like an image but its header cannot be read ({error}): the file is truncated or corrupt.") from error
    try:
        check_pixels(*image.size, name)
    except ImageInputError:
        image.close()
        raise
    return image


def decode(image: Image.Image, name: str, max_side: int | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """Decode ``image`` (after :func:`check_pixels`) with its EXIF rotation applied; return it and
    its full (width, height) as displayed. JPEGs are decoded directly at a reduced scale (1/2 …
    1/8) when ``max_side`` allows: less memory and time."""
    check_pixels(*image.size, name)
    try:
        turned = image.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF orientations that swap the sides
        size = image.size[::-1] if turned else image.size
        if max_side is not None and image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))
        image.load()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = ImageOps.exif_transpose(image)
    except Exception as error:  # truncated or crafted data: PIL's plugins raise many kinds
        raise ImageInputError(f"{name} looks like an image but cannot be decoded ({type(error).__name__}: "
                              f"{error}): the file is truncated or corrupt.") from error
    return image, size


def _pil_to_rgb(image: Image.Image, name: str, max_side: int | None) -> np.ndarray:
    """A decoded PIL image → float32 (H, W, 3) in [0, 1], shrunk to ``max_side`` while still 8-bit.

    Alpha is composited on white; 16-bit images are divided by 65,535; float images must hold
    values in [0, 1]; 32-bit integer images are refused (their range is unknown).
    """
    if image.mode in _SIXTEEN_BIT:
        return _shrink(np.asarray(image, dtype=np.float32)[..., None].repeat(3, -1) / 65535.0, max_side)
    if image.mode == "F":
        return _shrink(_array_to_rgb(np.asarray(image, dtype=np.float32), name), max_side)
    if image.mode in ("I", "I;32", "I;32B"):
        raise ImageInputError(f"{name} is a 32-bit integer image, whose value range is unknown; save it "
                              "as an 8- or 16-bit image.")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    try:
        image = image.convert("RGB")
    except (ValueError, OSError) as error:
        raise ImageInputError(f"{name} has colour mode {image.mode}, which cannot be converted to RGB "
                              f"({error}); save it as an ordinary RGB or greyscale image.") from error
    if max_side is not None and max(image.size) > max_side:
        image = image.resize(_fitted(image.size[::-1], max_side)[::-1], Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.float32) / 255.0


def _fitted(shape: tuple[int, int], side: int, which: str = "long") -> tuple[int, int]:
    """(height, width) scaled so that the longer (or shorter) side is ``side``."""
    h, w = shape
    scale = side / (max(h, w) if which == "long" else min(h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


def _shrink(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    return fit_side(rgb, max_side) if max_side is not None and max(rgb.shape[:2]) > max_side else rgb


def _array_to_rgb(array: np.ndarray, name: str = "the array") -> np.ndarray:
    """An array (H, W), (H, W, 1|3|4) → float32 (H, W, 3) in [0, 1], by its dtype alone.

    uint8 is divided by 255, uint16 by 65,535, bool taken as 0/1, floats must already be in
    [0, 1]; anything else is refused with the conversion to use (nothing is guessed from values).
    """
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
    check_pixels(array.shape[1], array.shape[0], name)
    if array.dtype == bool:
        values = array.astype(np.float32)
    elif array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / 65535.0
    elif np.issubdtype(array.dtype, np.integer):
        raise ImageInputError(f"{name} has integer dtype {array.dtype}, whose value range is unknown; "
                              "convert it to uint8 (values 0..255) or uint16 (0..65535) first.")
    elif np.issubdtype(array.dtype, np.floating):
        values = check_range(array, 0.0, 1.0, name, error=ImageInputError)
    else:
        raise ImageInputError(f"{name} has dtype {array.dtype}; expected uint8, uint16, bool or floats in [0, 1].")
    if values.shape[-1] == 4:  # composite on white
        alpha = values[..., 3:]
        values = values[..., :3] * alpha + (1.0 - alpha)
    if values.shape[-1] == 1:
        values = np.repeat(values, 3, axis=-1)
    return np.clip(values, 0.0, 1.0).astype(np.float32)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an RGB image in [0, 1] to ``size`` = (height, width), with antialiasing.

    Used by chapter 07.
    """
    pil = Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8))
    out = pil.resize((int(size[1]), int(size[0])), Image.Resampling.LANCZOS)
    return np.asarray(out, dtype=np.float32) / 255.0


def fit_side(image: np.ndarray, side: int, which: str = "long") -> np.ndarray:
    """Resize keeping the aspect ratio so that the longer (or shorter) side is ``side`` pixels.

    Used by chapter 07.
    """
    return resize(image, _fitted(image.shape[:2], side, which))


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
    bool or floats in [0, 1]. Images of more than :data:`MAX_PIXELS` pixels are refused before
    decoding; those whose longer side exceeds ``max_side`` are shrunk to it (a notice says so);
    those whose shorter side ends below ``min_side`` are refused.
    Used by chapter 07.
    """
    return _load(source, max_side, min_side, timeout, name or _describe(source), notice=True)


def _load(source: Any, max_side: int | None, min_side: int, timeout: float, label: str,
          notice: bool) -> np.ndarray:
    if isinstance(source, np.ndarray):
        if source.size == 0:
            raise ImageInputError(f"{label} is empty.")
        rgb = _array_to_rgb(source, label)
        w, h = rgb.shape[1], rgb.shape[0]
        rgb = _shrink(rgb, max_side)
    elif isinstance(source, (str, Path, Image.Image)):
        pil = source if isinstance(source, Image.Image) else open_image(source, label, timeout)
        pil, (w, h) = decode(pil, label, max_side)
        rgb = _pil_to_rgb(pil, label, max_side)
    else:
        raise ImageInputError(f"cannot use {type(source).__name__} {label} as an image; pass a path, "
                              "a URL, a PIL image or a NumPy array (H, W, 3).")
    if min(rgb.shape[:2]) < min_side:
        raise ImageInputError(f"{label} is {w}×{h} pixels: too small for the network (the shorter side "
                              f"must be at least {min_side} pixels). Use a larger image.")
    if notice and (rgb.shape[1], rgb.shape[0]) != (w, h):
        print(f"Note: {label} is {w}×{h} pixels; resized to {rgb.shape[1]}×{rgb.shape[0]} "
              f"(longest side {max_side}).")
    return rgb


def sample_image(name: str) -> np.ndarray:
    """A photo shipped with scikit-learn (``china``, ``flower``) or scikit-image, as (H, W, 3) in [0, 1].

    Used by chapter 07.
    """
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
    ``PAINTINGS[name]``.
    Used by chapter 07.
    """
    return load_image(painting_path(name), max_side=None, name=f"{name}.jpg")


def sample_photos(names: Sequence[str] = SKLEARN_PHOTOS + SKIMAGE_PHOTOS) -> dict[str, np.ndarray]:
    """Several shipped photos by name (grey ones as three equal channels).

    Used by chapter 07.
    """
    return {name: sample_image(name) for name in names}


def random_crops(photos: Sequence[np.ndarray], n: int, size: int, seed: int = 0,
                 scale: tuple[float, float] = (0.3, 1.0)) -> np.ndarray:
    """``n`` square crops (n, size, size, 3) from random photos: side a random share ``scale`` of the
    shorter side, random position, random horizontal flip, resized to ``size``.
    Used by chapter 07.
    """
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
    """Up to ``limit`` photos (a seeded random choice) from the JPEG/PNG files under ``folder``.

    Used by chapter 07.
    """
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not paths:
        raise ImageInputError(f"no JPEG or PNG files under {str(folder)!r}.")
    if limit is not None and len(paths) > limit:
        chosen = np.random.default_rng(seed).choice(len(paths), size=limit, replace=False)
        paths = [paths[i] for i in sorted(chosen)]
    photos = []
    for path in paths:
        try:
            photo = _load(path, max_side, 1, URL_TIMEOUT, repr(str(path)), notice=False)
            photos.append(photo if max(photo.shape[:2]) == max_side else fit_side(photo, max_side, "long"))
        except ImageInputError as error:  # one bad file in a large folder: skip it, say so
            print(f"Skipped {path.name}: {error}")
    return photos
