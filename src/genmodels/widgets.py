"""Explorers: live ipywidgets for a running kernel, and kernel-free HTML twins for the static site.

A live explorer calls Python on every move of a slider, so it needs a kernel (Jupyter, Colab).
On the static site no kernel runs, so every explorer also has a *static* form: the images are
computed in advance on a grid of slider positions, embedded as PNG data URIs, and a few lines of
JavaScript swap them as the reader drags. No CDN, no server: it works in Jupyter, in Colab and
on the built site alike.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from .data import check_range
from .pages import explorer_html, safe_id, text


# ----------------------------------------------------------------------------- images → PNG
def to_uint8(image: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """An image (H, W), (H, W, 1) or (H, W, 3) with values in ``value_range`` → uint8.

    Values outside ``value_range`` (beyond rounding) are refused, not clipped: pass the range
    the image is really in, e.g. ``value_range=(0, 255)`` for uint8 or ``(-1, 1)`` for tanh outputs.
    """
    lo, hi = (float(v) for v in value_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"value_range must be two finite numbers (low, high) with low < high; got {value_range}")
    shape = np.shape(image)
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[-1] != 3):
        raise ValueError(f"expected an image (H, W), (H, W, 1) or (H, W, 3); got shape {np.shape(image)}")
    hint = ""
    if (lo, hi) == (0.0, 1.0) and np.asarray(image).dtype == np.uint8:
        hint = "These are uint8 pixels: pass value_range=(0, 255), or convert with gm.to_unit(...)."
    values = check_range(image, lo, hi, "image", hint, error=ValueError).reshape(shape)
    return np.rint((values - lo) / (hi - lo) * 255.0).astype(np.uint8)


def png_bytes(image: np.ndarray, scale: int = 1, value_range: tuple[float, float] = (0.0, 1.0)) -> bytes:
    """PNG encoding of one image, enlarged ``scale`` times with nearest-neighbour pixels.

    Used by chapters 03, 04.
    """
    pil = Image.fromarray(to_uint8(image, value_range))
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_data_uri(image: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image, 1, value_range)).decode("ascii")


# ----------------------------------------------------------------------------- live (kernel)
def latent_sliders(decode: Callable[[np.ndarray], np.ndarray], dims: int = 2, span: float = 4.0,
                   step: float = 0.1, scale: int = 8, names: Sequence[str] | None = None,
                   value_range: tuple[float, float] = (0.0, 1.0)):
    """Sliders z_0..z_{dims−1} ∈ [−span, span] that decode a (1, dims) code and redraw on change.

    ``decode`` maps an array (1, dims) to one image (or a batch of one). Returns an ipywidgets
    ``VBox``; its ``.sliders`` and ``.image`` attributes are exposed for tests.
    Used by chapter 01.
    """
    import ipywidgets as widgets

    names = list(names or [f"z{i}" for i in range(dims)])
    sliders = [widgets.FloatSlider(value=0.0, min=-span, max=span, step=step, description=name,
                                   continuous_update=True) for name in names]
    image = widgets.Image(format="png")

    def redraw(_change=None) -> None:
        z = np.array([[s.value for s in sliders]], dtype=np.float32)
        decoded = np.asarray(decode(z))
        image.value = png_bytes(decoded.reshape(decoded.shape[-3:] if decoded.ndim == 4 else decoded.shape[-2:]),
                                scale, value_range)

    for slider in sliders:
        slider.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox([widgets.VBox(sliders), image])])
    box.sliders, box.image = sliders, image
    return box


def frame_slider(frames: np.ndarray, labels: Sequence[str] | None = None, description: str = "frame",
                 scale: int = 4, value_range: tuple[float, float] = (0.0, 1.0)):
    """An integer slider that walks through precomputed images (snapshots, test images, ...).

    Used by chapters 06, 07.
    """
    import ipywidgets as widgets

    frames = np.asarray(frames)
    labels = list(labels or [str(i) for i in range(len(frames))])
    encoded = [png_bytes(frame, scale, value_range) for frame in frames]
    slider = widgets.IntSlider(value=0, min=0, max=len(frames) - 1, description=description)
    caption = widgets.Label(labels[0])
    image = widgets.Image(value=encoded[0], format="png")

    def show(change) -> None:
        image.value = encoded[change["new"]]
        caption.value = labels[change["new"]]

    slider.observe(show, names="value")
    box = widgets.VBox([widgets.HBox([slider, caption]), image])
    box.slider, box.image = slider, image
    return box


# ----------------------------------------------------------------------------- static (no kernel)
_STATIC_SCRIPT = """  var inputs = root.querySelectorAll("input.gm-axis");
  var img = root.querySelector("img.gm-image");
  function update() {
    var index = 0;
    inputs.forEach(function (input, axis) {
      var position = parseInt(input.value, 10);
      index = index * data.sizes[axis] + position;
      input.parentNode.querySelector(".gm-value").textContent = data.values[axis][position];
    });
    img.src = data.uris[index];
    img.dataset.index = index;
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
"""


class StaticExplorer:
    """Self-contained HTML/JS: one range input per axis over images computed in advance.

    ``images`` has shape (*axis_sizes, H, W[, C]); ``axes`` gives, per axis, its name and the
    value shown at each position. Displays itself in Jupyter (``_repr_html_``) and on the site;
    every name, value, title and caption is escaped (see :mod:`genmodels.pages`).
    Used by chapters 01, 03, 04, 06, 07.
    """

    def __init__(self, images: np.ndarray, axes: Sequence[tuple[str, Sequence[object]]],
                 title: str = "", pixel_size: int = 224, value_range: tuple[float, float] = (0.0, 1.0),
                 start: Sequence[int] | None = None, caption: str = "") -> None:
        images = np.asarray(images)
        sizes = tuple(len(values) for _, values in axes)
        if images.shape[: len(sizes)] != sizes or 0 in sizes:
            raise ValueError(f"images of shape {images.shape} do not match axis sizes {sizes}")
        flat = images.reshape(-1, *images.shape[len(sizes):])
        self.uris = [png_data_uri(frame, value_range) for frame in flat]
        self.axes = [(str(name), [str(v) for v in values]) for name, values in axes]
        self.sizes = sizes
        self.title, self.caption, self.pixel_size = str(title), str(caption), int(pixel_size)
        self.start = [int(i) for i in start] if start is not None else [s // 2 for s in sizes]
        if len(self.start) != len(sizes) or not all(0 <= i < n for i, n in zip(self.start, sizes)):
            raise ValueError(f"start {list(start or [])} must give one position per axis within {sizes}")
        if self.pixel_size <= 0:
            raise ValueError(f"pixel_size must be positive; got {pixel_size}")
        self.id = safe_id("gm")

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        rows = "".join(
            f'<label style="display:block;margin:4px 0">{text(name)} '
            f'<input type="range" class="gm-axis" data-axis="{i}" min="0" max="{len(values) - 1}" '
            f'step="1" value="{self.start[i]}" style="width:220px;vertical-align:middle"> '
            f'<span class="gm-value">{text(values[self.start[i]])}</span></label>'
            for i, (name, values) in enumerate(self.axes))
        first = int(np.ravel_multi_index(self.start, self.sizes))
        title = f"<div style='font-weight:600;margin-bottom:4px'>{text(self.title)}</div>" if self.title else ""
        caption = (f"<div style='font-size:90%;color:#555;margin-top:4px'>{text(self.caption)}</div>"
                   if self.caption else "")
        inner = (f'<img class="gm-image" alt="{text(self.title or "explorer image")}" src="{text(self.uris[first])}" '
                 f'width="{self.pixel_size}" height="{self.pixel_size}" '
                 'style="image-rendering:pixelated;border:1px solid #ccc;object-fit:contain">'
                 f"<div>{title}{rows}{caption}</div>")
        data = {"uris": self.uris, "sizes": list(self.sizes), "values": [values for _, values in self.axes]}
        return explorer_html(self.id, "gm-explorer", "display:flex;gap:16px;align-items:center;flex-wrap:wrap",
                             inner, data, _STATIC_SCRIPT)


def static_latent_explorer(decode: Callable[[np.ndarray], np.ndarray], n: int = 17, span: float = 4.0,
                           title: str = "Drag to move through the latent space",
                           value_range: tuple[float, float] = (0.0, 1.0)) -> StaticExplorer:
    """The kernel-free twin of :func:`latent_sliders` for a 2-D latent: an n×n decoded grid.

    Used by chapter 01.
    """
    values = np.linspace(-span, span, n)
    grid = np.array([[a, b] for a in values for b in values], dtype=np.float32)
    images = np.asarray(decode(grid))
    images = images.reshape(n, n, *images.shape[1:])
    labels = [f"{v:+.2f}" for v in values]
    return StaticExplorer(images, [("z0", labels), ("z1", labels)], title=title, value_range=value_range)
