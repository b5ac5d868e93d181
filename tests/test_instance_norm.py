"""Instance normalisation as keras.layers.GroupNormalization(groups=-1): each channel of each image
is normalised on its own (Ulyanov et al. 2016), with no dependence on the rest of the batch."""

import keras
import numpy as np


def layer():
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)


def batch(seed=0):
    rng = np.random.default_rng(seed)
    # Every (image, channel) gets its own offset and scale, so any pooling across them would show.
    offsets = rng.uniform(-5, 5, size=(3, 1, 1, 4))
    scales = rng.uniform(0.1, 10, size=(3, 1, 1, 4))
    return (offsets + scales * rng.normal(size=(3, 6, 6, 4))).astype("float32")


def test_each_channel_of_each_image_has_zero_mean_unit_variance():
    x = batch()
    y = np.asarray(layer()(x))
    assert np.allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    assert np.allclose(y.var(axis=(1, 2)), 1.0, atol=1e-3)


def test_matches_the_instance_norm_formula():
    x = batch(1)
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mu) / np.sqrt(var + 1e-5)
    assert np.allclose(np.asarray(layer()(x)), expected, atol=1e-4)


def test_independent_of_other_images_and_other_channels():
    norm = layer()
    x = batch(2)
    y = np.asarray(norm(x))
    changed = x.copy()
    changed[1] = changed[1] * 50 + 7  # another image
    changed[0, :, :, 3] = 0.0  # another channel of image 0
    y2 = np.asarray(norm(changed))
    assert np.allclose(y2[0, :, :, :3], y[0, :, :, :3], atol=1e-5)
    assert np.allclose(y2[2], y[2], atol=1e-5)
    # A lone image normalises exactly as it does inside the batch (batch size 1 is fine).
    assert np.allclose(np.asarray(norm(x[2:3]))[0], y[2], atol=1e-5)


def test_default_epsilon_differs_so_we_set_it():
    assert keras.layers.GroupNormalization(groups=-1).epsilon == 1e-3
    assert layer().epsilon == 1e-5
