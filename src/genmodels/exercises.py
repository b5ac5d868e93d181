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


def _cycle_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (3, 4, 4, 3)).astype(np.float32),
            rng.uniform(-1, 1, (2, 4, 4, 3)).astype(np.float32))


@checker("6.2", "cycle-consistency loss")
def _check_cycle_loss(fn):
    def G(t):  # X → Y: a stand-in generator that does not undo F
        return 0.5 * t + 0.2

    def F(t):  # Y → X
        return 2.0 * t - 0.3

    def forward(x, y):
        return float(np.mean(np.abs(F(G(x)) - x)))

    def backward(x, y):
        return float(np.mean(np.abs(G(F(y)) - y)))

    x, y = _cycle_case(6)
    got = _array(call(fn, x, y, G, F), "cycle_loss(x, y, G, F)")
    if got.size != 1:
        return (f"cycle_loss(x, y, G, F) has shape {got.shape}: the cycle loss is one number, "
                "the mean over all images, pixels and channels.")
    value, expected = float(got.reshape(())), forward(x, y) + backward(x, y)
    wrong = {
        "follows only the round trip x → G → F → x: add the other one, ‖G(F(y)) − y‖₁":
            forward(x, y),
        "follows only the round trip y → F → G → y: add the other one, ‖F(G(x)) − x‖₁":
            backward(x, y),
        "squares the differences: the cycle loss is an L1 distance, the mean of |F(G(x)) − x|":
            float(np.mean((F(G(x)) - x) ** 2) + np.mean((G(F(y)) - y) ** 2)),
        "compares one translation with its input, ‖G(x) − x‖₁ + ‖F(y) − y‖₁: that is the "
        "identity loss's form; the cycle loss translates there and back, F(G(x))":
            float(np.mean(np.abs(G(x) - x)) + np.mean(np.abs(F(y) - y))),
        "composes the generators in the wrong order, G(G(x)) and F(F(y)): x goes through G, "
        "then back through F": float(np.mean(np.abs(G(G(x)) - x)) + np.mean(np.abs(F(F(y)) - y))),
        "includes the weight λ = 10: return the unweighted loss; the objective applies λ":
            10 * expected,
        "sums over all entries: average over images, pixels and channels instead (the mean of "
        "|F(G(x)) − x|)": float(np.sum(np.abs(F(G(x)) - x)) + np.sum(np.abs(G(F(y)) - y))),
    }
    for message, value_wrong in wrong.items():
        if not math.isclose(value, expected, rel_tol=1e-4) and math.isclose(
                value, value_wrong, rel_tol=1e-4):
            return f"Your cycle loss {message}."
    problem = compare(value, expected, name="cycle_loss(x, y, G, F)")
    if problem:
        return problem
    # exact inverses: nothing is lost on a round trip
    x, y = _cycle_case(7)
    zero = _array(call(fn, x, y, lambda t: t * 3.0, lambda t: t / 3.0), "cycle_loss")
    return compare(float(zero.reshape(())), 0.0, name="cycle_loss for G = 3·t and F = t/3",
                   atol=1e-5)


def _instance_norm_reference(h: np.ndarray, epsilon: float) -> np.ndarray:
    mean = h.mean(axis=(1, 2), keepdims=True)
    var = h.var(axis=(1, 2), keepdims=True)
    return (h - mean) / np.sqrt(var + epsilon)


@checker("6.3", "instance normalisation")
def _check_instance_norm(fn):
    rng = np.random.default_rng(62)
    h = (rng.normal(size=(3, 5, 4, 2)) * [1.5, 0.4] + [2.0, -1.0]).astype(np.float32)
    h[1] *= 4.0  # the images differ in scale, so pooling over the batch shows
    h[2, :, :, 1] = 0.7 + 1e-3 * rng.normal(size=(5, 4))  # a nearly constant channel: σ ≈ ε
    got = _array(call(fn, h, 1e-5), "instance_normalise(h, 1e-5)")
    expected = _instance_norm_reference(h.astype(np.float64), 1e-5)
    if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-3, atol=1e-3):
        hints = {
            (0, 1, 2): "pool the statistics over the batch as well: that is batch "
                       "normalisation. Instance norm uses each image's own μ_{n,c}, over axes 1 "
                       "and 2 (height and width) only",
            (1, 2, 3): "pool the statistics over the channels as well: that is layer "
                       "normalisation. Instance norm standardises each channel c on its own, "
                       "over axes 1 and 2 only",
            (0, 1, 2, 3): "use one mean and variance for the whole tensor; instance norm has one "
                          "per image n and channel c, over axes 1 and 2",
        }
        for axes, message in hints.items():
            mean = h.mean(axis=axes, keepdims=True)
            var = h.var(axis=axes, keepdims=True)
            if np.allclose(got, (h - mean) / np.sqrt(var + 1e-5), rtol=1e-3, atol=1e-3):
                return f"Your instance_normalise seems to {message}."
        mean, std = h.mean(axis=(1, 2), keepdims=True), h.std(axis=(1, 2), keepdims=True)
        if np.allclose(got, (h - mean) / (std + 1e-5), rtol=1e-3, atol=1e-3):
            return ("Your instance_normalise adds ε to the standard deviation; in the equation "
                    "it is added to the variance, inside the square root: √(σ² + ε). The two "
                    "differ on a nearly constant channel.")
        n = h.shape[1] * h.shape[2]
        var1 = h.var(axis=(1, 2), keepdims=True, ddof=1)
        if np.allclose(got, (h - mean) / np.sqrt(var1 + 1e-5), rtol=1e-3, atol=1e-3):
            return (f"Your instance_normalise divides the squared deviations by HW − 1 = {n - 1}; "
                    f"the equation's σ² divides by HW = {n} (np.var's default, ddof=0).")
    problem = compare(got, expected, name="instance_normalise(h, 1e-5)", rtol=1e-3, atol=1e-3)
    if problem:
        return problem
    got = _array(call(fn, h, 0.1), "instance_normalise(h, 0.1)")
    return compare(got, _instance_norm_reference(h.astype(np.float64), 0.1),
                   name="instance_normalise(h, 0.1) (does your function use its epsilon?)",
                   rtol=1e-3, atol=1e-3)


# ---- chapter 7 ----
