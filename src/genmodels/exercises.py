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
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adversarial import average_decay

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
        # The messages mark code with backticks, as Markdown does: show it as code, not as `x`.
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(self)))
        return (f'<div style="border-left:4px solid {colour[self.status]};padding:0.2em 0.8em">'
                f"{text}</div>")


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


def _close(got: np.ndarray, expected: Any, rtol: float = 1e-4) -> bool:
    """Whether ``got`` (already an array) matches ``expected`` in shape and value: the test
    behind the checkers' diagnoses of a specific mistake."""
    e = np.asarray(expected, dtype=np.float64)
    return got.shape == e.shape and bool(np.allclose(got, e, rtol=rtol, atol=1e-6))


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


def _ch1_inputs(
    batch: int = 5, latent: int = 3, seed: int = 1
) -> tuple[np.ndarray, ...]:
    """Posterior means and log-variances, as the chapter's encoder returns them."""
    rng = np.random.default_rng(seed)
    z_mean = rng.normal(0.0, 1.0, (batch, latent)).astype(np.float32)
    z_log_var = rng.normal(-0.5, 0.8, (batch, latent)).astype(np.float32)
    return z_mean, z_log_var


def _ch1_kl(z_mean: np.ndarray, z_log_var: np.ndarray) -> np.ndarray:
    z_mean, z_log_var = (
        np.asarray(z_mean, np.float64),
        np.asarray(z_log_var, np.float64),
    )
    return -0.5 * np.sum(1.0 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=-1)


def _ch1_gradient(
    fn: Callable[..., Any], inputs: Sequence[np.ndarray], wrt: Sequence[int], *rest: Any
) -> tuple[Any, list[Any]]:
    """The reader's output and the gradients of its sum w.r.t. the arguments ``wrt``."""
    import tensorflow as tf

    args: list[Any] = [tf.Variable(a) if i in wrt else a for i, a in enumerate(inputs)]
    with tf.GradientTape() as tape:
        out = call(fn, *args, *rest)
        total = tf.reduce_sum(tf.cast(tf.convert_to_tensor(out), tf.float32))
    return out, tape.gradient(total, [args[i] for i in wrt])


@checker("1.2", "the KL term in closed form")
def _check_kl_to_prior(fn: Callable[..., Any]) -> str | None:
    z_mean, z_log_var = _ch1_inputs()
    batch, latent = z_mean.shape
    got = _array(
        call(fn, z_mean.copy(), z_log_var.copy()), "kl_to_prior(z_mean, z_log_var)"
    )
    expected = _ch1_kl(z_mean, z_log_var)
    per_dim = -0.5 * (1.0 + z_log_var - z_mean**2 - np.exp(z_log_var))
    if got.shape == per_dim.shape:
        return (
            f"kl_to_prior returned shape {got.shape}, one KL per latent dimension: sum "
            "the closed form over the latent axis (axis=-1) to get one value per "
            f"image, shape ({batch},)."
        )
    if got.shape == () and math.isclose(
        float(got), float(expected.mean()), rel_tol=1e-4
    ):
        return (
            "kl_to_prior returned one number, the mean over the batch: keep one KL "
            f"per image, shape ({batch},); the training step averages over the images "
            "later."
        )
    if _close(got, expected / latent):
        return (
            f"kl_to_prior averaged over the {latent} latent dimensions: the KL of a "
            "diagonal Gaussian is the SUM of the per-dimension KLs (Exercise 1.1). A "
            "mean makes the KL too small by the number of latent dimensions."
        )
    std_as_var = -0.5 * np.sum(
        1.0 + z_log_var - z_mean**2 - np.exp(0.5 * z_log_var), axis=-1
    )
    if _close(got, std_as_var):
        return (
            "kl_to_prior used exp(z_log_var / 2), the standard deviation, where the "
            "formula has the variance sigma^2 = exp(z_log_var)."
        )
    if _close(got, -expected):
        return (
            "kl_to_prior has the wrong sign: a KL divergence is never negative. The "
            "closed form is -1/2 * sum(1 + log sigma^2 - mu^2 - sigma^2)."
        )
    if _close(got, 2 * expected):
        return "kl_to_prior is twice the KL: the factor 1/2 before the sum is missing."
    problem = compare(got, expected, name="kl_to_prior(z_mean, z_log_var)")
    if problem:
        return problem
    zero = _array(
        call(fn, np.zeros_like(z_mean), np.zeros_like(z_log_var)), "kl_to_prior(0, 0)"
    )
    return compare(
        zero,
        np.zeros(batch),
        name="kl_to_prior at the prior itself (mu = 0, "
        "log sigma^2 = 0), which must be 0",
    )


@checker("1.3", "the reparameterisation trick")
def _check_reparameterise(fn: Callable[..., Any]) -> str | None:
    z_mean, z_log_var = _ch1_inputs(4, 2, seed=2)
    eps = np.random.default_rng(3).standard_normal(z_mean.shape).astype(np.float32)
    sigma = np.exp(0.5 * z_log_var.astype(np.float64))
    got = _array(
        call(fn, z_mean.copy(), z_log_var.copy(), eps.copy()), "reparameterise(...)"
    )
    expected = z_mean + sigma * eps
    if _close(got, z_mean + np.exp(z_log_var.astype(np.float64)) * eps):
        return (
            "reparameterise scaled the noise by the variance exp(z_log_var); scale it "
            "by the standard deviation sigma = exp(z_log_var / 2)."
        )
    if _close(got, z_mean + z_log_var * eps):
        return (
            "reparameterise used z_log_var itself as the standard deviation; it is the "
            "log-variance: sigma = exp(z_log_var / 2)."
        )
    if _close(got, z_mean + sigma):
        return "reparameterise ignored the noise eps: z = mu + sigma * eps."
    problem = compare(got, expected, name="reparameterise(z_mean, z_log_var, eps)")
    if problem:
        return problem
    _, grads = _ch1_gradient(fn, [z_mean, z_log_var, eps], wrt=[0, 1])
    if grads[0] is None or grads[1] is None:
        return (
            "reparameterise gives the right numbers but no gradient reaches z_mean and "
            "z_log_var: tf.GradientTape records only TensorFlow operations. Compute z "
            "with ops (ops.exp, ...), not NumPy, so that training can update the "
            "encoder."
        )
    problem = compare(grads[0], np.ones_like(expected), name="dz/dz_mean")
    if problem:
        return problem
    return compare(grads[1], 0.5 * sigma * eps, name="dz/dz_log_var")


def _ch1_bce(x: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """Binary cross-entropy from logits, per entry, in a stable form."""
    x, logits = np.asarray(x, np.float64), np.asarray(logits, np.float64)
    return np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits)))


@checker("1.4", "a beta-VAE loss")
def _check_beta_vae_loss(fn: Callable[..., Any]) -> str | None:
    rng = np.random.default_rng(4)
    batch, pixels = 4, 6
    x = rng.uniform(0.0, 1.0, (batch, pixels)).astype(np.float32)
    logits = rng.normal(0.0, 2.0, (batch, pixels)).astype(np.float32)
    z_mean, z_log_var = _ch1_inputs(batch, 2, seed=5)
    reconstruction, kl = _ch1_bce(x, logits).sum(axis=-1), _ch1_kl(z_mean, z_log_var)

    def loss(beta: float) -> np.ndarray:
        out = call(fn, x.copy(), logits.copy(), z_mean.copy(), z_log_var.copy(), beta)
        return _array(out, f"beta_vae_loss(..., beta={beta:g})")

    at_0, at_1, at_4 = loss(0.0), loss(1.0), loss(4.0)
    if at_1.shape == (batch,):
        return (
            f"beta_vae_loss returned one loss per image, shape ({batch},): return one "
            "number, the mean over the images of the batch."
        )
    if at_4.shape == () and math.isclose(
        float(at_4), (4 * reconstruction + kl).mean(), rel_tol=1e-4
    ):
        return (
            "beta_vae_loss multiplies the reconstruction by beta: beta weights the KL "
            "term, -E[log p(x|z)] + beta * KL."
        )
    if at_4.shape == () and math.isclose(float(at_4), float(at_1), rel_tol=1e-6):
        return "beta_vae_loss does not change with beta: multiply the KL term by beta."
    # The reconstruction part alone (beta = 0).
    # Logits taken for probabilities, clipped to [eps, 1 - eps] as Keras does (in
    # float32, with or without Keras' extra eps inside the log).
    eps = np.float32(1e-7)
    p = np.clip(logits, eps, np.float32(1) - eps)
    as_probabilities = [
        float(-(x * np.log(p + e) + (1 - x) * np.log(1 - p + e)).sum(axis=-1).mean())
        for e in (np.float32(0), eps)
    ]
    sigmoid_twice = (
        _ch1_bce(x, 1 / (1 + np.exp(-logits.astype(np.float64)))).sum(-1).mean()
    )
    if at_0.shape == () and any(
        math.isclose(float(at_0), v, rel_tol=1e-2) for v in as_probabilities
    ):
        return (
            "beta_vae_loss treats the decoder's logits as probabilities: compute the "
            "cross-entropy from logits (ops.binary_crossentropy(..., "
            "from_logits=True))."
        )
    if at_0.shape == () and math.isclose(float(at_0), sigmoid_twice, rel_tol=1e-3):
        return (
            "beta_vae_loss applies the sigmoid twice: it turns the logits into "
            "probabilities and then treats those as logits again."
        )
    if at_0.shape == () and math.isclose(
        float(at_0), reconstruction.mean() / pixels, rel_tol=1e-3
    ):
        return (
            "beta_vae_loss averages the cross-entropy over the pixels: -log p(x|z) is "
            "its SUM over the pixels (784 of them in the chapter). The mean shrinks "
            "the reconstruction against the KL, like a huge beta."
        )
    if at_0.shape == () and math.isclose(
        float(at_0), reconstruction.sum(), rel_tol=1e-3
    ):
        return (
            f"beta_vae_loss sums over the {batch} images of the batch: take their "
            "mean, so that the loss does not grow with the batch size."
        )
    problem = compare(
        at_0,
        reconstruction.mean(),
        name="beta_vae_loss at beta = 0 (the reconstruction part alone)",
    )
    if problem:
        return problem
    problem = compare(
        at_1 - at_0,
        kl.mean(),
        name="your loss at beta = 1 minus your loss at beta = 0, the batch's mean KL,",
    )
    if problem:
        return problem + " Check the closed-form KL: its sign, the 1/2, the sum over z."
    problem = compare(
        at_4, (reconstruction + 4 * kl).mean(), name="beta_vae_loss at beta = 4"
    )
    if problem:
        return problem
    _, grads = _ch1_gradient(fn, [x, logits, z_mean, z_log_var], [1, 2, 3], 2.0)
    if any(g is None for g in grads):
        return (
            "beta_vae_loss gives the right number but no gradient reaches the logits, "
            "z_mean and z_log_var: compute it with ops (or tf), not NumPy, so that "
            "training can use it."
        )
    return None


# ---- chapter 2 ----


def _ch2_densities() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two Gaussian densities on a small grid, as the chapter's 1-D example has them."""
    x = np.linspace(-4.0, 4.0, 17)
    p_data = np.exp(-0.5 * ((x + 1.0) / 0.7) ** 2) / (0.7 * math.sqrt(2 * math.pi))
    p_g = np.exp(-0.5 * ((x - 0.5) / 1.5) ** 2) / (1.5 * math.sqrt(2 * math.pi))
    return x, p_data, p_g


@checker("2.2", "the optimal discriminator on a grid")
def _check_optimal_discriminator(fn: Callable[..., Any]) -> str | None:
    _, p_data, p_g = _ch2_densities()
    name = "optimal_discriminator(p_data, p_g)"
    got = _array(call(fn, p_data.copy(), p_g.copy()), name)
    expected = p_data / (p_data + p_g)
    if _close(got, p_g / (p_data + p_g)):
        return (
            "optimal_discriminator returned p_g / (p_data + p_g) = 1 - D*: D* is the "
            "probability that x is REAL, so p_data goes in the numerator."
        )
    if _close(got, p_data / p_g):
        return (
            "optimal_discriminator returned the density ratio p_data / p_g, which is "
            "not a probability: D* = p_data / (p_data + p_g)."
        )
    problem = compare(got, expected, name=name)
    if problem:
        return problem
    # Where both densities vanish, any D is optimal; the exercise asks for 1/2 there.
    p_data[:3] = p_g[:3] = 0.0
    p_data[5] = 0.0  # only the generator puts mass here: D* = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        got = _array(call(fn, p_data.copy(), p_g.copy()), name)
        expected = np.where(p_data + p_g > 0, p_data / (p_data + p_g), 0.5)
    if got.shape == expected.shape and not np.all(np.isfinite(got[:3])):
        return (
            "optimal_discriminator returns NaN where both densities are 0 (0 / 0): "
            "return 1/2 there, for instance with np.where on p_data + p_g > 0."
        )
    if got.shape == expected.shape and np.allclose(got[:3], 0.0):
        return (
            "optimal_discriminator returns 0 where both densities are 0: any value is "
            "optimal there (Exercise 2.1), and the exercise asks for 1/2, the value "
            "that takes neither side."
        )
    return compare(got, expected, name=f"{name} where some densities are 0")


def _ch2_logit_gradients(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/dl of both generator losses (batch means), by automatic differentiation."""
    import tensorflow as tf

    variable = tf.Variable(np.asarray(logits, np.float64))
    with tf.GradientTape(persistent=True) as tape:
        saturating = tf.reduce_mean(
            -tf.nn.softplus(variable)
        )  # mean log(1 - sigmoid(l))
        non_saturating = tf.reduce_mean(
            tf.nn.softplus(-variable)
        )  # mean -log sigmoid(l)
    return (
        tape.gradient(saturating, variable).numpy(),
        tape.gradient(non_saturating, variable).numpy(),
    )


@checker("2.3", "the generator losses' gradients with respect to the logit")
def _check_generator_logit_gradients(fn: Callable[..., Any]) -> str | None:
    logits = np.array([-6.0, -3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 4.0])
    m = len(logits)
    out = call(fn, logits.copy())
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return (
            "generator_logit_gradients should return a pair (grad_sat, grad_ns), one "
            f"array of {m} derivatives for each loss; got {type(out).__name__}."
        )
    sat = _array(out[0], "grad_sat")
    ns = _array(out[1], "grad_ns")
    want_sat, want_ns = _ch2_logit_gradients(logits)
    d = 1.0 / (1.0 + np.exp(-logits))
    if _close(sat, want_ns) and _close(ns, want_sat):
        return (
            "the two gradients are swapped: return the saturating loss's first, "
            "(grad_sat, grad_ns)."
        )
    for scale, where in (
        (1.0 / m, ""),
        (1.0, f" and without the 1/m of the mean over the batch (m = {m})"),
    ):
        if _close(sat, -scale / (1 - d)) or _close(ns, -scale / d):
            return (
                "you differentiated with respect to D = sigmoid(l), not with respect "
                f"to the logit l{where}: multiply by sigma'(l) = D (1 - D)."
            )
    if _close(sat, want_sat * m) and _close(ns, want_ns * m):
        return (
            f"both gradients are {m} times too large: the losses are means over the m "
            f"= {m} samples of the batch, so each logit's derivative carries 1/m."
        )
    if _close(sat, -want_sat) and _close(ns, -want_ns):
        return (
            "both gradients have the wrong sign: lowering either loss means raising "
            "the logit (fooling the discriminator more), so both derivatives are "
            "negative."
        )
    problem = compare(sat, want_sat, name="grad_sat (the saturating loss's dL/dl)")
    if problem:
        return problem
    return compare(ns, want_ns, name="grad_ns (the non-saturating loss's dL/dl)")


def _ch2_kl(p: np.ndarray, q: np.ndarray) -> float:
    used = p > 0
    return float(np.sum(p[used] * np.log(p[used] / q[used])))


def _ch2_jsd(p: np.ndarray, q: np.ndarray) -> float:
    m = 0.5 * (p + q)
    return 0.5 * _ch2_kl(p, m) + 0.5 * _ch2_kl(q, m)


@checker("2.4", "the Jensen-Shannon divergence of two discrete distributions")
def _check_js_divergence(fn: Callable[..., Any]) -> str | None:
    rng = np.random.default_rng(6)
    p, q = rng.uniform(0.1, 1.0, 6), rng.uniform(0.1, 1.0, 6)
    p, q = p / p.sum(), q / q.sum()
    got = _array(call(fn, p.copy(), q.copy()), "js_divergence(p, q)")
    expected = _ch2_jsd(p, q)
    if got.shape == () and math.isclose(
        float(got), expected / math.log(2), rel_tol=1e-4
    ):
        return (
            "js_divergence is in bits (log base 2): the book measures in nats, with "
            "the natural logarithm (np.log)."
        )
    if got.shape == () and math.isclose(float(got), 2 * expected, rel_tol=1e-4):
        return (
            "js_divergence is twice the JSD: it is the AVERAGE of KL(p || M) and KL(q "
            "|| M), with a factor 1/2 on each."
        )
    m = 0.5 * (p + q)
    for one_sided in (_ch2_kl(p, m), 0.5 * _ch2_kl(p, m), _ch2_kl(p, q)):
        if got.shape == () and math.isclose(float(got), one_sided, rel_tol=1e-4):
            return (
                "js_divergence is not symmetric in p and q: the JSD is 1/2 KL(p || M) "
                "+ 1/2 KL(q || M) with M = (p + q) / 2."
            )
    problem = compare(got, expected, name="js_divergence(p, q)")
    if problem:
        return problem
    # Zeros: 0 log 0 = 0. Disjoint supports give log 2, equal distributions 0.
    zeros_p, zeros_q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.5, 0.25, 0.25])
    with np.errstate(divide="ignore", invalid="ignore"):
        got = _array(
            call(fn, zeros_p.copy(), zeros_q.copy()), "js_divergence with zeros"
        )
    if got.shape == () and not math.isfinite(float(got)):
        return (
            "js_divergence is NaN or infinite when a distribution has zeros: by the "
            "convention 0 log 0 = 0, skip the entries where p (or q) is 0 in its KL "
            "term."
        )
    problem = compare(
        got, _ch2_jsd(zeros_p, zeros_q), name="js_divergence with zeros in p and q"
    )
    if problem:
        return problem
    with np.errstate(divide="ignore", invalid="ignore"):
        disjoint = _array(
            call(fn, np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7])),
            "js_divergence",
        )
    return compare(
        disjoint,
        math.log(2),
        name="js_divergence of two distributions with "
        "disjoint supports (which must be log 2)",
    )


# ---- chapter 3 ----

def _conv_size_reference(n: int, kernel: int, stride: int, padding: str,
                         transposed: bool) -> int:
    if transposed:  # Keras: n·s for "same"; n·s + max(k − s, 0) for "valid"
        if padding == "same":
            return n * stride
        return n * stride + max(kernel - stride, 0)
    return -(-n // stride) if padding == "same" else (n - kernel) // stride + 1


def _conv_size_hint(value: float, n: int, k: int, s: int, padding: str,
                    transposed: bool) -> str:
    """What a wrong size most likely comes from, in words of exercise 3.2."""
    if not transposed and padding == "same" and value == n / s:
        return (" A strided 'same' convolution pads so that the output is n / s "
                "rounded UP; without rounding you get fractions of a pixel.")
    if not transposed and padding == "same" and value == n // s:
        return (" You rounded n / s down; 'same' padding rounds it UP (7 → 4 at stride "
                "2), so that every input pixel is covered.")
    if not transposed and padding == "valid" and value == (n - k) // s:
        return (" Count the first position too: a 'valid' convolution has "
                "(n − k) // s + 1.")
    if transposed and padding == "valid" and value == (n - 1) * s + k:
        return (" (n − 1)·s + k holds while k ≥ s; with k < s Keras keeps the n·s "
                "pixels that the stride alone spans: n·s + max(k − s, 0).")
    if transposed and value == _conv_size_reference(n, k, s, padding, False):
        return (" That is the size of an ordinary convolution: a transposed "
                "convolution runs it backwards and MULTIPLIES the size by the stride.")
    if transposed and padding == "same" and value == (n - 1) * s + k:
        return (" That is the 'valid' size; with 'same' padding the output is exactly "
                "n·s.")
    return ""


@checker("3.2", "output size of a strided or transposed convolution")
def _check_conv_size(fn):
    cases = [(28, 5, 2, "same", False), (14, 5, 2, "same", False),
             (7, 5, 2, "same", False), (28, 5, 2, "valid", False),
             (28, 3, 1, "valid", False), (13, 4, 3, "valid", False),
             (7, 5, 1, "same", True), (7, 5, 2, "same", True), (14, 5, 2, "same", True),
             (7, 5, 2, "valid", True), (7, 4, 2, "valid", True),
             (3, 1, 2, "valid", True)]
    for n, k, s, padding, transposed in cases:
        what = f"conv_output_size({n}, {k}, {s}, {padding!r}, transposed={transposed})"
        got = call(fn, n, k, s, padding, transposed)
        expected = _conv_size_reference(n, k, s, padding, transposed)
        try:
            value = float(got)
        except (TypeError, ValueError):
            return f"{what} returned {got!r}; return a whole number of pixels."
        if value == expected:
            if not isinstance(got, (int, np.integer)):
                return (f"{what} returned {got!r}, a {type(got).__name__}; "
                        "return an int (a layer has a whole number of pixels: use // "
                        "or int()).")
            continue
        hint = _conv_size_hint(value, n, k, s, padding, transposed)
        return f"{what} returned {got!r}, expected {expected}.{hint}"
    return None


def _ema_hint(g: np.ndarray, a: np.ndarray, w: np.ndarray, beta: float, step: int,
              name: str) -> str | None:
    """What a wrong moving average most likely comes from, in words of exercise 3.3."""
    if np.allclose(g, (1 - beta) * a + beta * w):
        return (f"{name}: β_t and 1 − β_t are swapped. β_t weighs the OLD average "
                "(θ̄ ← β_t θ̄ + (1 − β_t) θ), so that it moves only a small step towards "
                "the live weights.")
    if np.allclose(g, 0.999 * a + 0.001 * w):
        return (f"{name}: you used β = 0.999 without the warm-up. At step t the "
                "decay is β_t = min(β, (1 + t) / (10 + t)), 2/11 ≈ 0.18 at step 1, so "
                "the random initial weights are forgotten quickly.")
    b_max = max(0.999, (1 + step) / (10 + step))
    if np.allclose(g, b_max * a + (1 - b_max) * w):
        return (f"{name}: β_t is the MINIMUM of β and (1 + t) / (10 + t), not the "
                "maximum.")
    return None


@checker("3.3", "moving average of the generator's weights with warm-up")
def _check_ema(fn):
    rng = np.random.default_rng(3)
    average = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    live = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    for step in (20_000, 1, 10, 100):  # late first: a missing warm-up passes there
        beta = float(average_decay(0.999, step))  # the rule the chapter trains with
        got = call(fn, [a.copy() for a in average], [w.copy() for w in live], 0.999,
                   step)
        if not isinstance(got, (list, tuple)) or len(got) != len(average):
            return ("average_update(...) should return a list with one array per "
                    f"weight ({len(average)} here), got {type(got).__name__}.")
        name = f"the new average at step {step:,}"
        for g, a, w in zip(got, average, live):
            expected = beta * a + (1 - beta) * w
            g = _array(g, name)
            if g.shape == expected.shape and np.allclose(g, expected):
                continue
            if g.shape == expected.shape:
                hint = _ema_hint(g, a, w, beta, step, name)
                if hint:
                    return hint
            problem = compare(g, expected, name=name)
            if problem:
                return problem
    return None


# ---- chapter 4 ----


def _ch4_one_hot(labels: np.ndarray, n: int = 10) -> np.ndarray:
    return np.eye(n)[labels]


@checker("4.2", "the label merged by multiplication and by concatenation")
def _check_merge_by_hand(multiply_label, concat_label):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(6, 5)).astype("float32")  # float32, as Keras layers compute
    table = rng.normal(size=(10, 5)).astype("float32")
    labels = np.array([3, 0, 9, 3, 7, 1])
    rows = table[labels]
    got = _array(call(multiply_label, z.copy(), labels.copy(), table.copy()),
                 "multiply_label(z, labels, table)")
    if got.shape == z.shape and not np.allclose(got, z * rows):
        if np.allclose(got, z + rows):
            return ("multiply_label added the label's row to z; the chapter's "
                    "Multiply layer multiplies them entry by entry, z ⊙ e(y).")
        if np.allclose(got, z * table[(labels - 1) % 10]):
            return ("multiply_label used row y − 1 of the table: Embedding(10, d) looks "
                    "up row y itself (digit 0 is row 0).")
        if np.allclose(got, rows):
            return "multiply_label returned e(y) alone; multiply it into z."
    problem = compare(got, z * rows, name="multiply_label(z, labels, table)")
    if problem:
        return problem
    expected = np.concatenate([z, _ch4_one_hot(labels)], axis=-1)
    got = _array(call(concat_label, z.copy(), labels.copy()), "concat_label(z, labels)")
    if got.shape == (6, 6):
        return ("concat_label appended the label as one number: append its one-hot code "
                "of length 10 instead, so that no digit is 'larger' than another.")
    if got.shape == expected.shape and np.allclose(
            got, np.concatenate([_ch4_one_hot(labels), z], axis=-1)):
        return ("concat_label put the one-hot code before z; the chapter's "
                "Concatenate([features, one_hot]) puts z first, and the trained "
                "generator's first layer expects that order.")
    return compare(got, expected, name="concat_label(z, labels)")


def _ch4_truncnorm_std(tau: float) -> float:
    """Standard deviation of N(0, 1) restricted to [-tau, tau]."""
    inside = math.erf(tau / math.sqrt(2.0))
    density = math.exp(-tau * tau / 2.0) / math.sqrt(2.0 * math.pi)
    return math.sqrt(1.0 - 2.0 * tau * density / inside)


def _ch4_truncation_problem(z: np.ndarray, got: np.ndarray, tau: float,
                            name: str) -> str | None:
    """What is wrong with ``got`` as the truncation of ``z`` at ``tau``, or None."""
    outside = np.abs(z) > tau
    beyond = int(np.sum(np.abs(got) > tau))
    if beyond:
        again = 1.0 - math.erf(tau / math.sqrt(2.0))
        return (f"{name} still has {beyond} coordinates beyond ±{tau}: a redrawn "
                "value can fall outside again (for τ = "
                f"{tau}, {again:.0%} of them do), so redraw the ones still outside, "
                "again and again, until none is left.")
    if not np.allclose(got[~outside], z[~outside], rtol=1e-6, atol=1e-7):
        changed = ~np.isclose(got, z, rtol=1e-6, atol=1e-7) & ~outside
        ratio = got[z != 0] / z[z != 0]
        if np.allclose(ratio, ratio[0]):
            return (f"{name} rescaled every coordinate by {ratio[0]:.3g}: that "
                    "keeps no coordinate as it was. Leave the coordinates already "
                    "inside alone and redraw only those beyond the threshold.")
        if z.ndim > 1 and not changed[~outside.any(axis=-1)].any():
            return (f"{name} redrew whole vectors: coordinates already inside changed "
                    "because another coordinate of the same vector was outside. Redraw "
                    "single coordinates, not vectors (a vector with all 64 coordinates "
                    "inside τ = 1 almost never occurs).")
        return (f"{name} changed coordinates that were already inside "
                f"[−{tau}, {tau}]: the truncation trick redraws only the coordinates "
                "beyond the threshold and leaves the others exactly as they were.")
    redrawn = got[outside]
    if redrawn.size == 0:
        return None
    if np.mean(np.isclose(np.abs(redrawn), tau)) > 0.5:
        return (f"{name} put the coordinates beyond the threshold at exactly ±{tau}: "
                "that is clipping, which piles their probability onto the two edges. "
                "Redraw them from N(0, 1) until they fall inside instead.")
    if np.all(redrawn == 0):
        return (f"{name} set the coordinates beyond the threshold to 0; redraw them "
                "from N(0, 1) until they fall inside [−τ, τ] instead.")
    if redrawn.size < 1000:
        return None
    if np.unique(redrawn).size < redrawn.size // 2:
        return (f"{name} gave many redrawn coordinates the same value: draw one fresh "
                "number per coordinate outside.")
    want, uniform = _ch4_truncnorm_std(tau), tau / math.sqrt(3.0)
    std = float(np.sqrt(np.mean(redrawn ** 2)))
    if abs(std - want) > 0.02 * tau:
        hint = (" That is the spread of a uniform distribution on [−τ, τ]: draw from "
                "the normal distribution and keep only what falls inside."
                if abs(std - uniform) < 0.02 * tau else "")
        return (f"{name}: the redrawn coordinates should follow N(0, 1) restricted to "
                f"[−{tau}, {tau}], whose standard deviation is {want:.3f}; yours have "
                f"{std:.3f}.{hint}")
    return None


@checker("4.3", "the truncation trick: redraw, do not clip")
def _check_truncate(fn):
    # the small case first: a function that redraws whole vectors still ends there
    cases = ((0.5, 2, (7, 5)), (1.0, 0, (4000, 64)), (2.0, 1, (3000, 64)))
    for tau, seed, shape in cases:
        z = np.random.default_rng(100 + seed).standard_normal(shape)
        got = _array(call(fn, z.copy(), tau, np.random.default_rng(seed)),
                     "truncate(z, threshold, rng)")
        name = f"truncate(z, {tau}, rng)"
        if got.shape != z.shape:
            return compare(got, z, name=name)
        if not np.all(np.isfinite(got)):
            return f"{name} contains NaN or infinite values."
        problem = _ch4_truncation_problem(z, got, tau, name)
        if problem:
            return problem
    return None


# ---- chapter 5 ----


def _piles_example():
    p = np.array([0.0, 3.0, 1.0, 0.0, 2.0, 1.0])
    q = np.array([2.0, 0.0, 1.0, 3.0, 0.0, 1.0])
    x = np.array([0.0, 2.0, 2.5, 3.0, 5.0, 6.0])  # unequal gaps: W = 9, unit gaps: 6
    return p, q, x


def _emd_piles_reference(p, q, x):
    return float(np.sum(np.abs(np.cumsum(p) - np.cumsum(q))[:-1] * np.diff(x)))


@checker("5.3", "earth mover's distance of 1-D piles from cumulative sums")
def _check_emd_piles(fn):
    p, q, x = _piles_example()
    expected = _emd_piles_reference(p, q, x)
    got = call(fn, p.copy(), q.copy(), x.copy())
    got_value = np.asarray(got, dtype=float)
    if got_value.shape != ():
        return (f"emd_piles should return one number (the cost of the cheapest plan), "
                f"got an array of shape {got_value.shape}: sum over the gaps")
    got_value = float(got_value)
    if np.isclose(got_value, np.abs(p - q).sum()) and not np.isclose(expected, got_value):
        return ("you summed |p_k - q_k|, the earth that has to move, not how far it "
                "moves: take the cumulative sums P_k and Q_k first")
    signed = float(np.sum((np.cumsum(p) - np.cumsum(q))[:-1] * np.diff(x)))
    if np.isclose(got_value, signed):
        return ("you summed P_k - Q_k with its sign, so earth moved right cancels earth "
                "moved left: take the absolute value |P_k - Q_k|")
    unit = float(np.abs(np.cumsum(p) - np.cumsum(q)).sum())
    if np.isclose(got_value, unit):
        return ("your answer is right for unit spacing, but these positions are not "
                "equally spaced: weight |P_k - Q_k| by the gap x_{k+1} - x_k")
    problem = compare(got_value, expected, name="emd_piles(p, q, x)")
    if problem:
        return problem
    # the chapter's five blocks, and a case where q needs no move
    p5, q5 = np.array([0, 2, 1, 1, 0, 1.0]), np.array([1, 0, 2, 1, 0, 1.0])
    problem = compare(float(call(fn, p5, q5, np.arange(1.0, 7.0))), 2.0,
                      name="emd_piles on the chapter's five blocks")
    if problem:
        return problem
    return compare(float(call(fn, p, p.copy(), x)), 0.0, name="emd_piles(p, p, x)")


def _tiny_critic():
    """A fixed two-layer critic on 3 inputs (tanh, so its gradient varies with x)."""
    import keras

    rng = np.random.default_rng(5)
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(1)])
    critic.set_weights([rng.normal(0, 1.0, w.shape).astype("float32")
                        for w in critic.get_weights()])
    return critic


def _gp_reference(critic, real, fake, eps):
    """The gradients at x̂ = eps·real + (1 − eps)·fake, and the penalty mean((‖∇f‖ − 1)²)."""
    import tensorflow as tf

    between = tf.constant(eps * real + (1 - eps) * fake)
    with tf.GradientTape() as tape:
        tape.watch(between)
        score = critic(between)
    grad = tape.gradient(score, between).numpy()
    return grad, float(np.mean((np.linalg.norm(grad, axis=1) - 1.0) ** 2))


@checker("5.4", "the gradient penalty of WGAN-GP")
def _check_gradient_penalty(fn):
    import keras
    import tensorflow as tf
    from keras import ops

    rng = np.random.default_rng(7)
    real = rng.normal(0, 1, (6, 3)).astype("float32")
    fake = rng.normal(0, 1, (6, 3)).astype("float32")
    eps = rng.uniform(size=(6, 1)).astype("float32")
    critic = _tiny_critic()
    grad, expected = _gp_reference(critic, real, fake, eps)
    got = call(fn, critic, tf.constant(real), tf.constant(fake), tf.constant(eps))
    got = np.asarray(ops.convert_to_numpy(got), dtype=float)
    if got.size != 1:
        return (f"gradient_penalty should return one number, the mean over the batch of "
                f"(‖∇f(x̂)‖ − 1)², got shape {got.shape}: average over the samples")
    got = float(got.reshape(()))
    norms = np.linalg.norm(grad, axis=1)
    hints = {
        "you penalised ‖∇f(x̂)‖², not (‖∇f(x̂)‖ − 1)²: take the square root of the "
        "summed squares, subtract 1, then square":
            float(np.mean((norms**2 - 1.0) ** 2)),
        "you squared the norm and never took its square root: ‖∇f(x̂)‖ is the square "
        "root of the sum of the squared partial derivatives":
            float(np.mean(norms**2)),
        "you took one norm over the whole batch; the penalty takes one norm per sample "
        "(sum over axis 1), then averages (‖∇f(x̂)‖ − 1)² over the batch":
            float((np.linalg.norm(grad) - 1.0) ** 2),
        "you summed over the batch; the penalty is the mean over the batch "
        "(off by the batch size, 6)":
            float(np.sum((norms - 1.0) ** 2)),
        "you penalised only slopes above 1 (a one-sided penalty); WGAN-GP's penalty "
        "is two-sided: (‖∇f(x̂)‖ − 1)² also when the norm is below 1":
            float(np.mean(np.maximum(norms - 1.0, 0.0) ** 2)),
    }
    for message, wrong in hints.items():
        if np.isclose(got, wrong, rtol=1e-4) and not np.isclose(got, expected, rtol=1e-4):
            return message
    for name, points in [("the real samples", real), ("the fake samples", fake)]:
        _, at = _gp_reference(critic, points, points, np.ones_like(eps))
        if np.isclose(got, at, rtol=1e-4) and not np.isclose(got, expected, rtol=1e-4):
            return (f"you took the gradient at {name}; the penalty is evaluated at the "
                    "points between them, x̂ = ε x + (1 − ε) x̃")
    _, swapped = _gp_reference(critic, fake, real, eps)
    if np.isclose(got, swapped, rtol=1e-4) and not np.isclose(got, expected, rtol=1e-4):
        return ("you interpolated with ε on the fake sample: the chapter's x̂ is "
                "ε x + (1 − ε) x̃, with x the real sample")
    problem = compare(got, expected, name="gradient_penalty on the tiny critic")
    if problem:
        return problem
    # a linear critic f(x) = w·x has gradient w everywhere: penalty (‖w‖ − 1)²
    linear = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    linear.set_weights([np.array([[2.0], [0.0], [0.0]], dtype="float32")])
    got_linear = call(fn, linear, tf.constant(real), tf.constant(fake), tf.constant(eps))
    return compare(float(np.asarray(ops.convert_to_numpy(got_linear)).reshape(())), 1.0,
                   name="gradient_penalty of the linear critic f(x) = 2 x_1 "
                        "(gradient norm 2 everywhere)")


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
