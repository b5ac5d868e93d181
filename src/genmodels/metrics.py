"""Measuring generated digits with a small MNIST classifier: fidelity, Fréchet distance, coverage.

The evaluator is a small CNN trained once, deterministically, on the offline training split
(``scripts/train_evaluator.py`` rebuilds it) and shipped in the package; its SHA-256 is checked
on load. From its predictions and its penultimate features come

* :func:`label_fidelity`: the share of conditional samples classified as their condition;
* :func:`frechet_distance`: the Fréchet distance between Gaussians fitted to the features of
  generated and real digits (Heusel et al. 2017, eq. 6; FID with a digit classifier in place of
  Inception);
* :func:`class_coverage`: how many digit classes appear and the entropy of the class histogram.

Every metric expects images as floats in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1).
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .data import DataError, check_range, verify_sha256

EVALUATOR_FILE = "evaluator.weights.h5"
# SHA-256 of src/genmodels/data/evaluator.weights.h5 as written by scripts/train_evaluator.py.
EVALUATOR_SHA256 = "b25716fd262ea6c30a93614a1c7010c142d5196b177207bd974b125dc4b9235d"
EVALUATOR_SEED = 20141106  # fixed: the shipped weights are a function of this seed and the data
FEATURE_DIM = 64
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)


class MetricInputError(ValueError):
    """Images of the wrong shape or value range for a metric; the message says what is expected."""


# ----------------------------------------------------------------------------- input checks
def check_images(images, name: str = "images") -> np.ndarray:
    """Validate digit images and return them as float32 (N, 28, 28, 1) in [0, 1].

    Raises :class:`MetricInputError` naming the expected shape and range (and ``gm.from_signed``
    when the values look like a tanh generator's [-1, 1]).
    """
    expected = "float images of shape (N, 28, 28) or (N, 28, 28, 1) with values in [0, 1]"
    try:
        array = np.asarray(images)
    except Exception as error:  # ragged lists and the like
        raise MetricInputError(f"{name}: could not convert to an array ({error}); expected {expected}.") from error
    if array.dtype == np.uint8:
        raise MetricInputError(
            f"{name}: got uint8 pixels (0..255); expected {expected}. Convert with gm.to_unit(images).")
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
            or array.dtype == bool):
        raise MetricInputError(f"{name}: got dtype {array.dtype}; expected {expected}.")
    shape_ok = (array.ndim == 3 and array.shape[1:] == IMAGE_SHAPE) or (
        array.ndim == 4 and array.shape[1:] == (*IMAGE_SHAPE, 1))
    if not shape_ok:
        hint = ""
        if array.ndim == 2 and array.shape[1:] == (784,):
            hint = " Reshape flat vectors with images.reshape(-1, 28, 28)."
        elif array.ndim == 2 and array.shape == IMAGE_SHAPE:
            hint = " For a single image, pass images[None]."
        elif array.ndim == 4 and array.shape[1] == 1 and array.shape[2:] == IMAGE_SHAPE:
            hint = " Channels-first input: use np.moveaxis(images, 1, -1)."
        raise MetricInputError(f"{name}: got shape {array.shape}; expected {expected}.{hint}")
    if len(array) == 0:
        raise MetricInputError(f"{name}: got no images (shape {array.shape}); expected {expected}.")
    array = check_range(array, 0.0, 1.0, name, error=MetricInputError)
    return array.reshape(-1, *IMAGE_SHAPE, 1)


def _check_labels(labels, n: int) -> np.ndarray:
    """Digits 0..9 as int64 (n,): integer labels, or one-hot rows (exactly one 1, zeros elsewhere)."""
    try:
        array = np.asarray(labels)
    except Exception as error:  # ragged lists and the like
        raise MetricInputError(f"labels: could not convert to an array ({error}).") from error
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise MetricInputError(f"labels: got dtype {array.dtype}; expected digits 0..9 (integers) or one-hot rows.")
    if array.ndim == 2 and array.shape[1] == NUM_CLASSES:  # one-hot: nothing is read from a row of zeros
        one_hot = np.isfinite(array).all() and np.isin(array, (0, 1)).all() and (array.sum(axis=1) == 1).all()
        if not one_hot:
            raise MetricInputError(
                f"labels: got rows of shape ({NUM_CLASSES},) that are not one-hot (each needs exactly one 1 and "
                "nine 0s; a row of zeros or of probabilities names no digit). Pass integer labels, or "
                "probabilities.argmax(axis=1) if you mean the most likely class.")
        array = array.argmax(axis=1)
    if array.ndim != 1 or len(array) != n:
        raise MetricInputError(
            f"labels: got shape {array.shape} for {n} images; expected integer labels of shape ({n},) "
            f"or one-hot labels of shape ({n}, {NUM_CLASSES}).")
    if not np.issubdtype(array.dtype, np.integer) and not (
            np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise MetricInputError(f"labels: got non-integer values ({array.dtype}); expected digits 0..9.")
    if array.size and (array.min() < 0 or array.max() >= NUM_CLASSES):
        raise MetricInputError(f"labels: got values in [{array.min()}, {array.max()}]; expected digits 0..9.")
    return array.astype(np.int64)


# ----------------------------------------------------------------------------- the evaluator
def build_evaluator_model():
    """The evaluator CNN: two conv blocks, a 64-unit feature layer, 10 logits (88,170 weights)."""
    import keras

    inputs = keras.Input((*IMAGE_SHAPE, 1), name="digits")
    x = keras.layers.Conv2D(24, 3, activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(name="pool1")(x)
    x = keras.layers.Conv2D(48, 3, activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(0.3, name="dropout")(x)
    features = keras.layers.Dense(FEATURE_DIM, activation="relu", name="features")(x)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits")(features)
    return keras.Model(inputs, [features, logits], name="mnist_evaluator")


class Evaluator:
    """A trained MNIST classifier: class probabilities, predictions and penultimate features."""

    def __init__(self, model, batch_size: int = 1000) -> None:
        import tensorflow as tf

        self.model = model
        self.batch_size = batch_size
        self._forward = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def _outputs(self, images) -> tuple[np.ndarray, np.ndarray]:
        x = check_images(images)
        features, logits = [], []
        for start in range(0, len(x), self.batch_size):
            f, lg = self._forward(x[start: start + self.batch_size])
            features.append(np.asarray(f))
            logits.append(np.asarray(lg))
        return np.concatenate(features), np.concatenate(logits)

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features, shape (N, 64)."""
        return self._outputs(images)[0].astype(np.float64)

    def logits(self, images) -> np.ndarray:
        return self._outputs(images)[1]

    def predict_proba(self, images) -> np.ndarray:
        """Class probabilities (softmax of the logits), shape (N, 10)."""
        logits = self.logits(images).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, images) -> np.ndarray:
        """Predicted digit per image, shape (N,) int."""
        return self.logits(images).argmax(axis=1).astype(np.int64)

    def accuracy(self, images, labels) -> float:
        """Share of images whose predicted digit is ``labels``."""
        predicted = self.predict(images)
        return float(np.mean(predicted == _check_labels(labels, len(predicted))))


def evaluator_path() -> Path:
    return Path(str(resources.files("genmodels") / "data" / EVALUATOR_FILE))


_EVALUATORS: dict[str, Evaluator] = {}


def load_evaluator(path: Path | str | None = None, expected_sha256: str | None = EVALUATOR_SHA256) -> Evaluator:
    """The shipped evaluator (SHA-256 checked), built once per process and then reused.

    ``path`` loads another weights file (e.g. one rebuilt by ``scripts/train_evaluator.py``);
    ``expected_sha256=None`` skips the check for such a file.
    Used by chapters 01, 03, 04, 05.
    """
    path = Path(path) if path is not None else evaluator_path()
    cache_key = f"{path.resolve()}|{expected_sha256}"
    if cache_key in _EVALUATORS:
        return _EVALUATORS[cache_key]
    if expected_sha256 is not None:
        try:
            verify_sha256(path, expected_sha256)
        except DataError as error:
            raise type(error)(
                f"The evaluator weights cannot be used: {error} Rebuild them with "
                "`python scripts/train_evaluator.py` (deterministic, about a minute on a CPU).") from error
    elif not path.is_file():
        raise DataError(f"{path} does not exist; build it with `python scripts/train_evaluator.py --out {path}`.")
    model = build_evaluator_model()
    model.load_weights(path)
    evaluator = Evaluator(model)
    _EVALUATORS[cache_key] = evaluator
    return evaluator


def _shift_batch(x: np.ndarray, rng: np.random.Generator, max_shift: int) -> np.ndarray:
    """Move each image by a random whole-pixel offset in [-max_shift, max_shift]², zero-filled."""
    n, h, w = x.shape[:3]
    pad = max_shift
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dy = rng.integers(-max_shift, max_shift + 1, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    out = np.empty_like(x)
    for i in range(n):
        out[i] = padded[i, pad - dy[i]: pad - dy[i] + h, pad - dx[i]: pad - dx[i] + w]
    return out


def train_evaluator(x_train: np.ndarray, y_train: np.ndarray, epochs: int = 12, seed: int = EVALUATOR_SEED,
                    max_shift: int = 2, batch_size: int = 64, verbose: int = 0):
    """Train the evaluator deterministically (seeded, with op determinism) on uint8 digits.

    Each epoch sees every training digit once, moved by a random shift of up to ``max_shift``
    pixels (8,000 digits alone do not reach 98 % test accuracy with this small a network).
    Returns the trained Keras model.
    """
    import keras

    from .training import set_seed

    set_seed(seed, deterministic=True)
    x = (np.asarray(x_train, dtype=np.float32) / 255.0)[..., None]
    y = np.asarray(y_train, dtype=np.int64)
    model = build_evaluator_model()
    steps = epochs * int(np.ceil(len(x) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=[None, keras.losses.SparseCategoricalCrossentropy(from_logits=True)])
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        x_epoch = _shift_batch(x[order], rng, max_shift) if max_shift else x[order]
        model.fit(x_epoch, y[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=verbose)
    return model


# ----------------------------------------------------------------------------- metrics
class FeatureStats(NamedTuple):
    """Mean and covariance of evaluator features: the Gaussian the Fréchet distance compares."""

    mean: np.ndarray
    cov: np.ndarray
    n: int


def feature_stats(images, evaluator: Evaluator | None = None) -> FeatureStats:
    """Fit a Gaussian to the evaluator features of ``images`` (compute once for the real set).

    Used by chapters 03, 04, 05.
    """
    evaluator = evaluator or load_evaluator()
    features = evaluator.features(images)
    if len(features) < 2:
        raise MetricInputError(f"images: got {len(features)} image; a covariance needs at least 2.")
    return FeatureStats(features.mean(axis=0), np.cov(features, rowvar=False), len(features))


def frechet_from_stats(a: FeatureStats, b: FeatureStats, ridge: float = 1e-6) -> float:
    """‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}) (Heusel et al. 2017, eq. 6).

    The matrix square root comes from ``scipy.linalg.sqrtm``; its real part is kept. If it is
    not finite (nearly singular covariances), a small ridge is added to both covariances.
    """
    from scipy import linalg

    diff = a.mean - b.mean
    cov_a, cov_b = np.asarray(a.cov, dtype=np.float64), np.asarray(b.cov, dtype=np.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(cov_a @ cov_b)
    if caught or not np.all(np.isfinite(covmean)):  # singular product: regularise and retry
        eye = np.eye(len(cov_a)) * ridge * max(1.0, float(np.trace(cov_a) + np.trace(cov_b)) / len(cov_a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            covmean = linalg.sqrtm((cov_a + eye) @ (cov_b + eye))
    covmean = np.real(covmean)
    distance = float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(covmean))
    if not np.isfinite(distance):
        raise ArithmeticError("the Fréchet distance is not finite; are the features finite?")
    return max(distance, 0.0)  # rounding can leave a tiny negative number for identical sets


def frechet_distance(fake, real, evaluator: Evaluator | None = None) -> float:
    """Fréchet distance between evaluator features of ``fake`` and ``real`` images (both in [0, 1]).

    Returns the squared distance d² as FID does (Heusel et al. 2017, eq. 6). ``real`` may also
    be a :class:`FeatureStats` from :func:`feature_stats`, to reuse the real statistics.
    Like FID it is biased upward for small samples (two disjoint halves of the 2,000 offline
    test digits: about 1.5; two sets of 500: about 5), so compare numbers computed from the
    same sample sizes.
    Used by chapters 03, 04, 05.
    """
    evaluator = evaluator or load_evaluator()
    fake_stats = fake if isinstance(fake, FeatureStats) else feature_stats(fake, evaluator)
    real_stats = real if isinstance(real, FeatureStats) else feature_stats(real, evaluator)
    return frechet_from_stats(fake_stats, real_stats)


class Coverage(NamedTuple):
    """Which digit classes the evaluator sees in a set of images, and how evenly."""

    classes: int  # classes holding at least min_share of the images
    entropy: float  # nats; log(10) ≈ 2.303 is a uniform histogram
    histogram: np.ndarray  # 10 shares summing to 1


def class_coverage(images, evaluator: Evaluator | None = None, min_share: float = 0.02) -> Coverage:
    """Mode coverage: the predicted-class histogram, its number of classes and its entropy.

    Used by chapters 01, 03, 05.
    """
    evaluator = evaluator or load_evaluator()
    predicted = evaluator.predict(images)
    histogram = np.bincount(predicted, minlength=NUM_CLASSES) / len(predicted)
    nonzero = histogram[histogram > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum())
    return Coverage(int((histogram >= min_share).sum()), entropy, histogram)


def label_fidelity(images, labels, evaluator: Evaluator | None = None) -> float:
    """Share of (conditional) samples that the evaluator classifies as their label."""
    evaluator = evaluator or load_evaluator()
    return evaluator.accuracy(images, labels)
