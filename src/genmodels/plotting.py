"""Figures shared by the chapters: image grids, latent scatter, decoded manifold, loss curves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

# One marker per digit class, as in the source chapter's latent plot.
DIGIT_MARKERS: tuple[str, ...] = ("o", "v", "^", "<", ">", "s", "p", "*", "X", "D")


def tile(images: np.ndarray, ncols: int | None = None, pad: int = 1, pad_value: float = 1.0) -> np.ndarray:
    """Tile (N, H, W[, C]) images into one (rows·H, cols·W[, C]) array, row by row.

    Used by chapter 06.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, C), got {images.shape}")
    n = len(images)
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    h, w = images.shape[1:3]
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad, *images.shape[3:]),
                  pad_value, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = image
    return out


def image_grid(images: np.ndarray, ncols: int | None = None, title: str | None = None,
               row_labels: Sequence[str] | None = None, size: float = 0.6,
               value_range: tuple[float, float] = (0.0, 1.0)) -> Figure:
    """A grid of images in [0, 1] (or ``value_range``), grey for one channel; returns the figure.

    Used by chapters 01, 03, 04, 05, 06.
    """
    images = np.asarray(images, dtype=np.float32)
    lo, hi = value_range
    images = np.clip((images - lo) / (hi - lo), 0.0, 1.0)
    n = len(images)
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    fig, ax = plt.subplots(figsize=(max(2.0, ncols * size), max(1.0, nrows * size) + (0.3 if title else 0)))
    ax.imshow(tile(images, ncols), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    if row_labels is not None:
        h = images.shape[1] + 1
        ax.set_yticks([r * h + images.shape[1] / 2 for r in range(len(row_labels))], list(row_labels))
        ax.tick_params(length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def latent_scatter(z: np.ndarray, labels: np.ndarray, title: str = "Test digits in the latent space",
                   max_points: int = 5000) -> Figure:
    """2-D latent codes, one marker and colour per digit class (the chapter's latent plot).

    Used by chapter 01.
    """
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"latent_scatter draws 2-D codes; got shape {z.shape}")
    z, labels = z[:max_points], np.asarray(labels)[:max_points]
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    cmap = plt.get_cmap("tab10")
    for digit in range(10):
        sel = labels == digit
        ax.scatter(z[sel, 0], z[sel, 1], s=9, marker=DIGIT_MARKERS[digit], color=cmap(digit),
                   label=str(digit), alpha=0.7, linewidths=0)
    ax.set_xlabel("$z_0$")
    ax.set_ylabel("$z_1$")
    ax.legend(title="digit", markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def manifold_grid(decode: Callable[[np.ndarray], np.ndarray], n: int = 15, span: float = 4.0,
                  image_shape: tuple[int, int] = (28, 28)) -> tuple[Figure, np.ndarray]:
    """Decode an n×n grid of 2-D latent points over [−span, span]², z values on the axes.

    ``decode`` maps (M, 2) codes to M images in [0, 1]. Returns the figure and the decoded
    images, shape (n, n, H, W), row 0 at the top (largest z1).
    Used by chapter 01.
    """
    z0 = np.linspace(-span, span, n)
    z1 = np.linspace(span, -span, n)
    grid = np.array([[a, b] for b in z1 for a in z0], dtype=np.float32)
    images = np.asarray(decode(grid)).reshape(n, n, *image_shape)
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    ax.imshow(tile(images.reshape(n * n, *image_shape), n, pad=0), cmap="gray", vmin=0, vmax=1)
    h, w = image_shape
    ax.set_xticks(np.arange(n) * w + w / 2 - 0.5, [f"{v:.1f}" for v in z0], rotation=90)
    ax.set_yticks(np.arange(n) * h + h / 2 - 0.5, [f"{v:.1f}" for v in z1])
    ax.set_xlabel("$z_0$")
    ax.set_ylabel("$z_1$")
    fig.tight_layout()
    return fig, images


def plot_history(history: Mapping[str, Sequence[float]], keys: Sequence[str] | None = None,
                 title: str = "Training losses", xlabel: str = "epoch", logy: bool = False,
                 smooth: int = 1) -> Figure:
    """Curves of a Keras ``History.history``-like mapping (optionally a moving average).

    Used by chapters 01, 04, 06, 07.
    """
    keys = list(keys or history.keys())
    if not keys:
        raise ValueError("plot_history needs at least one series")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for key in keys:
        values = np.asarray(history[key], dtype=np.float64)
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel(xlabel)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    return fig
