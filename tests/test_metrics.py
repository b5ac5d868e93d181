"""The shipped evaluator and the metrics built on it, on inputs whose answer is known."""

import math
import shutil

import numpy as np
import pytest

from genmodels import data, load_offline_mnist, metrics, to_unit


@pytest.fixture(scope="module")
def evaluator():
    return metrics.load_evaluator()


@pytest.fixture(scope="module")
def mnist():
    return load_offline_mnist()


@pytest.fixture(scope="module")
def test_images(mnist):
    return to_unit(mnist.x_test)


def test_evaluator_accuracy_on_offline_test_split(evaluator, mnist, test_images):
    assert evaluator.accuracy(test_images, mnist.y_test) >= 0.98
    assert evaluator.accuracy(test_images[..., None], mnist.y_test) >= 0.98  # (N, 28, 28, 1) too


def test_evaluator_outputs_and_cache(evaluator, test_images):
    assert metrics.load_evaluator() is evaluator  # built once per process
    x = test_images[:50]
    proba = evaluator.predict_proba(x)
    assert proba.shape == (50, 10) and np.allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(evaluator.predict(x), proba.argmax(axis=1))
    assert evaluator.predict(x).dtype == np.int64
    assert evaluator.features(x).shape == (50, metrics.FEATURE_DIM)


def test_corrupted_weights_are_refused(tmp_path):
    copy = tmp_path / metrics.EVALUATOR_FILE
    shutil.copy(metrics.evaluator_path(), copy)
    with open(copy, "r+b") as handle:
        handle.seek(2000)
        handle.write(b"\x00\x01\x02\x03")
    with pytest.raises(data.ChecksumError, match="train_evaluator.py"):
        metrics.load_evaluator(copy)
    with pytest.raises(data.DataError, match="train_evaluator.py"):
        metrics.load_evaluator(tmp_path / "missing.weights.h5")


def test_frechet_distance_known_cases(evaluator, mnist, test_images):
    same = metrics.frechet_distance(test_images, test_images, evaluator)
    halves = metrics.frechet_distance(test_images[0::2], test_images[1::2], evaluator)
    noise = np.random.default_rng(0).random(test_images.shape).astype("float32")
    to_noise = metrics.frechet_distance(noise, test_images, evaluator)
    one_digit = np.repeat(test_images[:1], 500, axis=0)
    to_one = metrics.frechet_distance(one_digit, test_images, evaluator)
    zeros_only = test_images[mnist.y_test == 0]
    to_zeros = metrics.frechet_distance(zeros_only, test_images, evaluator)
    assert same < 1e-3 * halves + 1e-6  # a set against itself: zero up to rounding
    assert halves < 0.05 * to_zeros  # two samples of one distribution are close ...
    assert halves < 0.05 * min(to_noise, to_one)  # ... noise or one repeated digit is far from both
    # Precomputed real statistics give the same number.
    stats = metrics.feature_stats(test_images[1::2], evaluator)
    assert metrics.frechet_distance(test_images[0::2], stats, evaluator) == pytest.approx(halves, rel=1e-9)


def test_frechet_from_stats_matches_closed_form():
    # Two Gaussians with diagonal covariances: d² = |Δμ|² + Σ (√a − √b)².
    a = metrics.FeatureStats(np.zeros(3), np.diag([1.0, 4.0, 9.0]), 100)
    b = metrics.FeatureStats(np.array([1.0, 0.0, 2.0]), np.diag([4.0, 4.0, 1.0]), 100)
    assert metrics.frechet_from_stats(a, b) == pytest.approx(5.0 + 1.0 + 0.0 + 4.0, rel=1e-9)
    singular = metrics.FeatureStats(np.zeros(3), np.diag([1.0, 0.0, 0.0]), 100)
    assert math.isfinite(metrics.frechet_from_stats(singular, singular))


def test_class_coverage(evaluator, mnist, test_images):
    real = metrics.class_coverage(test_images, evaluator)
    assert real.classes == 10
    assert real.entropy == pytest.approx(math.log(10), abs=0.01)
    assert real.histogram.shape == (10,) and real.histogram.sum() == pytest.approx(1.0)
    one = metrics.class_coverage(np.repeat(test_images[:1], 100, axis=0), evaluator)
    assert one.classes == 1 and one.entropy == pytest.approx(0.0, abs=1e-12)
    assert one.histogram[mnist.y_test[0]] == 1.0
    # Two classes, 3:1: entropy of (0.75, 0.25).
    ones, sevens = test_images[mnist.y_test == 1][:150], test_images[mnist.y_test == 7][:50]
    two = metrics.class_coverage(np.concatenate([ones, sevens]), evaluator)
    assert two.classes == 2 and two.histogram[1] == pytest.approx(0.75, abs=0.03)
    shares = two.histogram[two.histogram > 0]
    assert two.entropy == pytest.approx(-(shares * np.log(shares)).sum(), rel=1e-9)
    assert 0.4 < two.entropy < 0.8  # near the 0.56 nats of (0.75, 0.25), plus a few misread digits
    # min_share decides which rare classes count.
    assert metrics.class_coverage(np.concatenate([ones, sevens[:2]]), evaluator, min_share=0.02).classes == 1


def test_label_fidelity(evaluator, mnist, test_images):
    assert metrics.label_fidelity(test_images, mnist.y_test, evaluator) >= 0.98
    shuffled = np.random.default_rng(0).permutation(mnist.y_test)
    assert metrics.label_fidelity(test_images, shuffled, evaluator) < 0.2
    one_hot = np.eye(10)[mnist.y_test]
    assert metrics.label_fidelity(test_images, one_hot, evaluator) >= 0.98
    assert metrics.label_fidelity(test_images, (mnist.y_test + 1) % 10, evaluator) < 0.02


@pytest.mark.parametrize("images, words", [
    (np.zeros((4, 784), "float32"), ["(N, 28, 28)", "reshape"]),
    (np.zeros((4, 32, 32), "float32"), ["(4, 32, 32)", "(N, 28, 28, 1)"]),
    (np.zeros((4, 1, 28, 28), "float32"), ["channels-first"]),
    (np.zeros((28, 28), "float32"), ["images[None]"]),
    (np.zeros((0, 28, 28), "float32"), ["no images"]),
    (np.linspace(-1, 1, 4 * 784).reshape(4, 28, 28), ["[-1, 1]", "gm.from_signed", "[0, 1]"]),
    (np.full((4, 28, 28), 200.0), ["255", "[0, 1]"]),
    (np.full((4, 28, 28), 200, "uint8"), ["uint8", "gm.to_unit"]),
    (np.full((4, 28, 28), np.nan), ["NaN"]),
    (np.full((4, 28, 28), 7.0e3), ["[0, 1]"]),
])
def test_bad_images_are_refused_clearly(evaluator, images, words):
    for call in (lambda: metrics.frechet_distance(images, images, evaluator),
                 lambda: metrics.class_coverage(images, evaluator),
                 lambda: metrics.label_fidelity(images, np.zeros(len(images), int), evaluator),
                 lambda: evaluator.features(images)):
        with pytest.raises(metrics.MetricInputError) as error:
            call()
        message = str(error.value).lower()
        assert all(word.lower() in message for word in words), message


def test_bad_labels_and_sizes(evaluator, test_images):
    with pytest.raises(metrics.MetricInputError, match=r"\(10,\)"):
        metrics.label_fidelity(test_images[:10], np.zeros(9, int), evaluator)
    with pytest.raises(metrics.MetricInputError, match="0..9"):
        metrics.label_fidelity(test_images[:2], np.array([3, 10]), evaluator)
    with pytest.raises(metrics.MetricInputError, match="at least 2"):
        metrics.frechet_distance(test_images[:1], test_images, evaluator)
    assert issubclass(metrics.MetricInputError, ValueError)


def test_training_is_deterministic(mnist):
    """Two short trainings from the same seed give identical weights (the script relies on it)."""
    x, y = mnist.x_train[:256], mnist.y_train[:256]
    first = metrics.train_evaluator(x, y, epochs=1, seed=3).get_weights()
    second = metrics.train_evaluator(x, y, epochs=1, seed=3).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_shift_moves_ink_without_changing_it():
    image = np.zeros((1, 28, 28, 1), "float32")
    image[0, 10:14, 10:14] = 1.0
    shifted = metrics._shift_batch(np.repeat(image, 50, axis=0), np.random.default_rng(0), 2)
    assert np.allclose(shifted.sum(axis=(1, 2, 3)), 16.0)  # ink kept (away from the border)
    assert len({s.tobytes() for s in shifted}) > 5
