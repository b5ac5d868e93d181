"""Checkers for the chapters' coding exercises: ``gm.check("3.2", slerp)``.

A reader writes a function in an exercise cell and calls :func:`check`. The exercise's checker
runs the function on its own small inputs, in seconds and without the chapter's models, and
answers with a :class:`Verdict`: accepted, not attempted yet (the shipped cell, whose function
body is ``...``), or rejected with what is wrong — a shape, a sign, a constant factor, an offset,
an exception and where it was raised. :func:`compare` makes those diagnoses for every checker.

Every chapter has its section below; ``tests/test_exercises.py`` runs each exercise's shipped
cell, its reference answer and its typical mistakes through the checker.
"""

from __future__ import annotations

import html
import math
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NotAttempted", "Verdict", "call", "check", "checker", "compare", "decreasing", "solved"]


@dataclass(frozen=True, repr=False)
class Verdict:
    """The answer to one ``check``: ``status`` is "accepted", "rejected" or "not attempted"."""

    exercise: str
    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "accepted"

    def __str__(self) -> str:
        mark = {"accepted": "✔", "rejected": "✘", "not attempted": "…"}[self.status]
        return f"{mark} Exercise {self.exercise}: {self.status}. {self.message}".rstrip()

    __repr__ = __str__  # what a notebook shows as text/plain

    def _repr_html_(self) -> str:
        colour = {"accepted": "#1a7f37", "rejected": "#b42318", "not attempted": "#6e6e6e"}
        return (f'<div style="border-left:4px solid {colour[self.status]};padding:0.2em 0.8em">'
                f"{html.escape(str(self))}</div>")


class NotAttempted(Exception):
    """Raised by :func:`call` when the reader's function still returns ``None``."""


_CHECKERS: dict[str, tuple[str, Callable[..., Any]]] = {}
_SOLVED: set[str] = set()


def checker(exercise: str, title: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(*answers) -> None | str | Verdict`` as the checker of ``exercise``.

    The checker returns ``None`` to accept, a message to reject, or a :class:`Verdict`.
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if exercise in _CHECKERS:
            raise ValueError(f"exercise {exercise} has two checkers")
        _CHECKERS[exercise] = (title, fn)
        return fn

    return register


def exercises() -> dict[str, str]:
    """The registered exercises and their titles, in order."""
    def key(e: str) -> tuple[int, ...]:
        return tuple(int(p) for p in e.split("."))
    return {e: _CHECKERS[e][0] for e in sorted(_CHECKERS, key=key)}


def check(exercise: str, *answers: Any) -> Verdict:
    """Run exercise ``exercise``'s checker on the reader's ``answers`` (usually one function).

    Never raises for a wrong answer: the verdict says what is wrong, so the notebook runs on.
    """
    if exercise not in _CHECKERS:
        known = ", ".join(exercises()) or "none"
        raise KeyError(f"there is no exercise {exercise!r}; the checked exercises are: {known}")
    title, fn = _CHECKERS[exercise]
    if not answers or any(a is None for a in answers):
        return _verdict(exercise, "not attempted",
                        f'Pass the function you wrote, e.g. gm.check("{exercise}", my_function).')
    try:
        result = fn(*answers)
    except NotAttempted as e:
        return _verdict(exercise, "not attempted", str(e))
    except _ReaderError as e:
        return _verdict(exercise, "rejected", str(e))
    if isinstance(result, Verdict):
        return _verdict(exercise, result.status, result.message)
    if result is None:
        return _verdict(exercise, "accepted", f"{title}: correct on every test case.")
    return _verdict(exercise, "rejected", str(result))


def _verdict(exercise: str, status: str, message: str) -> Verdict:
    if status == "accepted":
        _SOLVED.add(exercise)
    else:
        _SOLVED.discard(exercise)
    return Verdict(exercise, status, message)


def solved(exercise: str) -> bool:
    """Whether ``check(exercise, ...)`` last accepted an answer in this kernel."""
    return exercise in _SOLVED


class _ReaderError(Exception):
    """The reader's code raised: the message names the exception and the line."""


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the reader's ``fn``; ``None`` back means not attempted, an exception a rejection."""
    name = getattr(fn, "__name__", "your function")
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(f"`{name}` is not written yet: replace the `...` in its body with "
                           "your code and run the cell again.") from None
    except Exception as e:  # noqa: BLE001 -- the reader's bug, reported rather than raised
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.name == name]
        where = f" at line {frames[-1].lineno} of `{name}`" if frames else f" in `{name}`"
        raise _ReaderError(f"{type(e).__name__}{where}: {e}") from None
    if out is None:
        raise NotAttempted(f"`{name}` returned None: replace the `...` in its body with your "
                           "code (and `return` the result), then run the cell again.")
    return out


def _array(x: Any, name: str) -> np.ndarray:
    if hasattr(x, "numpy") and callable(x.numpy):  # a TensorFlow tensor
        x = x.numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise _ReaderError(f"{name} should be numbers (an array or a tensor); "
                           f"got {type(x).__name__}.") from None
    return a


def _factor_text(k: float) -> str:
    for p, q in ((2, 1), (1, 2), (4, 1), (1, 4), (3, 1), (1, 3)):
        if math.isclose(k, p / q, rel_tol=1e-3):
            return f"a factor {p}/{q}" if q != 1 else f"a factor {p}"
    return f"a factor {k:.4g}"


def compare(got: Any, expected: Any, *, name: str = "your result", rtol: float = 1e-4,
            atol: float = 1e-6) -> str | None:
    """``None`` when ``got`` matches ``expected``; otherwise what differs, as specific as we can.

    Diagnoses, in order: not numbers, shape (transposed, an axis kept or dropped), NaN or
    infinity, the sign, a constant factor, a constant offset, and else the worst entry.
    """
    g, e = _array(got, name), _array(expected, "the expected value")
    if g.shape != e.shape:
        hint = ""
        if g.squeeze().shape == e.squeeze().shape:
            hint = " (an axis of length 1 kept or dropped: check keepdims)"
        elif g.size == e.size:
            hint = " (same number of entries: transposed or reshaped?)"
            if g.ndim == 2 and g.shape == e.shape[::-1]:
                hint = " (transposed?)"
        elif g.ndim < e.ndim:
            hint = " (did you reduce over an axis that should stay?)"
        elif g.ndim > e.ndim:
            hint = " (did you forget to reduce over an axis?)"
        return f"{name} has shape {g.shape}, expected {e.shape}{hint}."
    if not np.all(np.isfinite(g)):
        bad = int(np.sum(~np.isfinite(g)))
        return (f"{name} has {bad} entr{'y' if bad == 1 else 'ies'} that are NaN or infinite: "
                "look for a log or a division of zero, or an overflowing exp.")
    if np.allclose(g, e, rtol=rtol, atol=atol):
        return None
    scale = float(np.max(np.abs(e))) or 1.0
    if np.allclose(g, -e, rtol=rtol, atol=atol):
        return f"{name} has the wrong sign: it is the negative of the expected value."
    nz = np.abs(e) > 1e-3 * scale
    if nz.any():
        ratios = g[nz] / e[nz]
        k = float(np.median(ratios))
        if k > 0 and np.allclose(g, k * e, rtol=1e-3, atol=atol):
            return f"{name} is off by {_factor_text(k)} everywhere: check the constant factors."
        if k < 0 and np.allclose(g, k * e, rtol=1e-3, atol=atol):
            return f"{name} has the wrong sign and is off by {_factor_text(-k)}."
    d = g - e
    if e.size > 1 and np.allclose(d, d.flat[0], rtol=0, atol=max(atol, 1e-6 * scale)):
        return f"{name} is off by a constant {float(d.flat[0]):.4g} everywhere: check additive terms."
    i = np.unravel_index(int(np.argmax(np.abs(d))), d.shape) if d.ndim else ()
    where = f" at index {tuple(int(j) for j in i)}" if d.ndim else ""
    return (f"{name} differs from the expected value{where}: got {float(g[i]):.6g}, "
            f"expected {float(e[i]):.6g}.")


def decreasing(values: Sequence[float], name: str = "the loss", min_drop: float = 0.1) -> str | None:
    """``None`` if ``values`` fall by at least ``min_drop`` (a fraction of the first value)."""
    v = [float(x) for x in values]
    if len(v) < 2:
        return f"{name} needs at least two values to tell whether it falls."
    if not all(math.isfinite(x) for x in v):
        return f"{name} became NaN or infinite: look at the sign and the scale of your loss."
    drop = (v[0] - v[-1]) / (abs(v[0]) or 1.0)
    if drop < min_drop:
        return (f"{name} does not fall: {v[0]:.4g} at the start, {v[-1]:.4g} at the end "
                f"(it should fall by at least {min_drop:.0%}). Check the sign of the loss.")
    return None


# Each chapter's checkers live in its own section, in chapter order.

# ---- chapter 1 ----


# ---- chapter 2 ----


# ---- chapter 3 ----


# ---- chapter 4 ----


# ---- chapter 5 ----


# ---- chapter 6 ----


# ---- chapter 7 ----


def _ch7_features(seed: int, batch: int = 2, height: int = 3, width: int = 5,
                  channels: int = 4) -> np.ndarray:
    """Small non-negative activations (B, H, W, N), as after a ReLU; H != W on purpose."""
    rng = np.random.default_rng(seed)
    return np.maximum(rng.normal(size=(batch, height, width, channels)), 0.0).astype(np.float32)


def _ch7_gram(f: np.ndarray) -> np.ndarray:
    b, h, w, n = f.shape
    flat = f.reshape(b, h * w, n).astype(np.float64)
    return np.einsum("bki,bkj->bij", flat, flat) / (h * w)


@checker("7.2", "the Gram matrix, normalised by the number of positions")
def _check_gram(fn: Callable[..., Any]) -> str | None:
    import tensorflow as tf

    f = _ch7_features(70)
    b, h, w, n = f.shape
    got = call(fn, tf.constant(f))
    g = _array(got, "gram(features)")
    expected = _ch7_gram(f)
    if g.shape == (b, h * w, h * w):
        return (f"gram(features) has shape {g.shape}: you multiplied positions by "
                f"positions. The Gram matrix compares channels, G_ij = (1/M) Σ_k F_ik F_jk, so "
                f"it is N × N = {n} × {n} per image, with the sum running over the M = H·W "
                "positions.")
    if g.shape == (n, n) or g.shape == (1, n, n):
        return (f"gram(features) has shape {g.shape}, expected {expected.shape}: one "
                "Gram matrix per image of the batch (keep the batch axis; do not sum over it).")
    if g.shape == expected.shape:
        if np.allclose(g, expected * h * w, rtol=1e-4):
            return (f"gram(features) is {h * w} times too large: divide the sum over "
                    f"positions by their number M = H·W = {h * w} (the chapter's normalisation, "
                    "so that the Gram matrix does not grow with the image size).")
        if np.allclose(g, expected / n, rtol=1e-4):
            return (f"gram(features) is {n} times too small: divide by the number of "
                    f"positions M = H·W only, not by M·N (N = {n} channels).")
        wrong = f.reshape(b, n, h * w).astype(np.float64)  # reshape without moving the axis
        if np.allclose(g, np.einsum("bik,bjk->bij", wrong, wrong) / (h * w), rtol=1e-4):
            return ("gram(features) mixes positions and channels: reshaping (B, H, W, N) "
                    "to (B, N, H·W) does not move the channel axis, it cuts the memory into "
                    "different rows. Reshape to (B, H·W, N) (channels last, as stored) and "
                    "sum over the positions.")
    problem = compare(g, expected, name="gram(features)")
    if problem:
        return problem
    # A second, larger case: a different size must give the same normalisation.
    f2 = _ch7_features(71, batch=1, height=6, width=4, channels=3)
    return compare(call(fn, tf.constant(f2)), _ch7_gram(f2),
                   name="gram(features) for a 6 × 4 image with 3 channels")


def _ch7_tv(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    dy = x[:, 1:] - x[:, :-1]
    dx = x[:, :, 1:] - x[:, :, :-1]
    return np.mean(dy**2, axis=(1, 2, 3)) + np.mean(dx**2, axis=(1, 2, 3))


@checker("7.3", "the total-variation loss")
def _check_tv(fn: Callable[..., Any]) -> str | None:
    import tensorflow as tf

    rng = np.random.default_rng(72)
    x = rng.uniform(size=(2, 4, 6, 3)).astype(np.float32)
    got = _array(call(fn, tf.constant(x)), "tv_loss(images)")
    expected = _ch7_tv(x)
    if got.shape == ():
        return ("tv_loss(images) is one number; the chapter's losses are per image, "
                f"so return one value for each of the {len(x)} images (shape ({len(x)},)).")
    if got.shape == expected.shape:
        dy = x[:, 1:] - x[:, :-1]
        dx = x[:, :, 1:] - x[:, :, :-1]
        sum_dy, sum_dx = np.sum(dy**2, axis=(1, 2, 3)), np.sum(dx**2, axis=(1, 2, 3))
        mean_dy, mean_dx = np.mean(dy**2, axis=(1, 2, 3)), np.mean(dx**2, axis=(1, 2, 3))
        l1 = np.mean(np.abs(dy), axis=(1, 2, 3)) + np.mean(np.abs(dx), axis=(1, 2, 3))
        mistakes = [
            (sum_dy + sum_dx, ("tv_loss(images) is a sum where the chapter takes "
                               "means: average the squared differences over positions and "
                               "channels (each direction over its own number of differences), "
                               "so that the loss does not grow with the image size.")),
            (l1, ("tv_loss(images) uses absolute differences: the chapter's L_TV "
                  "squares the differences between neighbours.")),
            (mean_dy, ("tv_loss(images) counts only vertical neighbours "
                       "(x[:, 1:] − x[:, :-1]): add the horizontal ones "
                       "(x[:, :, 1:] − x[:, :, :-1]).")),
            (mean_dx, ("tv_loss(images) counts only horizontal neighbours "
                       "(x[:, :, 1:] − x[:, :, :-1]): add the vertical ones "
                       "(x[:, 1:] − x[:, :-1]).")),
        ]
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-7):
            for value, message in mistakes:
                if np.allclose(got, value, rtol=1e-4, atol=1e-7):
                    return message
    return compare(got, expected, name="tv_loss(images)")


def _ch7_style(features: dict, targets: dict) -> np.ndarray:
    terms = []
    for name, target in targets.items():
        a = np.asarray(target, dtype=np.float64)
        g = _ch7_gram(features[name])
        terms.append(np.sum((g - a) ** 2, axis=(1, 2)) / np.sum(a**2, axis=(1, 2)))
    return np.mean(terms, axis=0)


@checker("7.4", "the style loss over several layers")
def _check_style_loss(fn: Callable[..., Any]) -> str | None:
    import tensorflow as tf

    shapes = {"block1_conv1": (8, 8, 3), "block2_conv1": (4, 4, 5), "block3_conv1": (2, 2, 6)}
    features = {k: _ch7_features(73 + i, 2, *s) for i, (k, s) in enumerate(shapes.items())}
    style = {k: _ch7_gram(_ch7_features(83 + i, 1, *s)) for i, (k, s) in enumerate(shapes.items())}
    got = call(fn, {k: tf.constant(v) for k, v in features.items()},
               {k: tf.constant(v, tf.float32) for k, v in style.items()})
    got = _array(got, "style_loss(features, targets)")
    expected = _ch7_style(features, style)
    if got.shape == ():
        return ("style_loss(features, targets) is one number; return one loss per image of the "
                f"batch (shape ({len(expected)},)), averaged over the layers only.")
    if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-4):
        layers = len(shapes)
        if np.allclose(got, expected * layers, rtol=1e-4):
            return (f"style_loss is {layers} times too large: the chapter averages the layers' "
                    f"terms (weights 1/|S| with |S| = {layers} layers), you summed them.")
        absolute = np.mean([np.sum((_ch7_gram(features[k]) - style[k]) ** 2, axis=(1, 2))
                            for k in shapes], axis=0)
        if np.allclose(got, absolute, rtol=1e-4):
            return ("style_loss uses the squared error ‖G − A‖² of each layer as it is: divide "
                    "it by ‖A‖², the size of the style image's Gram matrix at that layer, so "
                    "that each term is a relative error and no layer counts more because its "
                    "numbers are larger.")
        unnormalised = []
        for k in shapes:
            f = features[k]
            m = f.shape[1] * f.shape[2]
            g = _ch7_gram(f) * m
            unnormalised.append(np.sum((g - style[k]) ** 2, axis=(1, 2))
                                / np.sum(style[k] ** 2, axis=(1, 2)))
        if np.allclose(got, np.mean(unnormalised, axis=0), rtol=1e-4):
            return ("style_loss compares Gram matrices that were not divided by the number of "
                    "positions M = H·W, while the style targets were: use the chapter's "
                    "normalised G = (1/M) Σ_k F_ik F_jk for the image's features too.")
    return compare(got, expected, name="style_loss(features, targets)")
