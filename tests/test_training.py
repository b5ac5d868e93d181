"""Resumable training: an interrupted run, resumed, ends where the uninterrupted run ends."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from genmodels import training


class ToyGAN(keras.Model):
    """Two networks, two optimizers, noise from a SeedGenerator: what the GAN chapters use."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(2)])
        self.discriminator = keras.Sequential(
            [keras.Input((2,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        self.seed_generator = keras.random.SeedGenerator(3)

    def compile(self, d_optimizer, g_optimizer, poison_at=None):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.poison_at = poison_at

    def train_step(self, x):
        z = keras.random.normal((tf.shape(x)[0], 4), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            d_loss = tf.reduce_mean(self.discriminator(self.generator(z))) - tf.reduce_mean(self.discriminator(x))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.discriminator(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        if self.poison_at is not None:
            step = tf.cast(self.d_optimizer.iterations, tf.float32)
            g_loss = tf.where(step >= self.poison_at, np.float32("nan"), g_loss)
        return {"d_loss": d_loss, "g_loss": g_loss}


def make(poison_at=None):
    training.set_seed(1, deterministic=True)
    model = ToyGAN()
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), poison_at)
    model.build((None, 2))
    points = np.random.default_rng(0).normal(size=(256, 2)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(points).shuffle(256, seed=0).batch(32)
    return model, data


def weights(model):
    return [w.copy() for w in model.get_weights()]


def test_resumed_run_equals_uninterrupted(tmp_path):
    model, data = make()
    full_history = training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path / "a")
    expected = weights(model)

    model, data = make()  # a fresh process, in effect: new objects, nothing built
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path / "b")
    model, data = make()
    history = training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path / "b")
    assert int(model.d_optimizer.iterations.numpy()) == 4 * 8  # no step lost, none repeated
    for a, b in zip(expected, weights(model)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert len(history["d_loss"]) == 4
    np.testing.assert_allclose(history["d_loss"], full_history["d_loss"], atol=1e-6)


def test_finished_run_is_not_retrained(tmp_path):
    model, data = make()
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    done = weights(model)
    model, data = make()
    history = training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    assert all(np.array_equal(a, b) for a, b in zip(done, weights(model)))
    assert len(history["g_loss"]) == 2


def test_fresh_starts_over(tmp_path):
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path, fresh=True)
    assert int(model.g_optimizer.iterations.numpy()) == 8


def test_nan_stops_with_step_and_keeps_last_good_checkpoint(tmp_path):
    model, data = make(poison_at=13)  # poisoned from the 13th step on, in the second epoch
    with pytest.raises(training.TrainingDivergedError) as error:
        training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path)
    message = str(error.value)
    assert "step 13" in message and "epoch 1" in message
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert json.loads((folder / training.META_FILE).read_text())["epoch"] == 1


def test_mismatched_checkpoint_is_refused(tmp_path):
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(training.CheckpointMismatchError, match="fresh=True"):
        training.load_state(other, folder)


def test_compiled_model_with_validation(tmp_path):
    training.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, x.sum(1, keepdims=True))).batch(16)
    history = training.fit_resumable(model, data, epochs=3, name="lin", checkpoint_root=tmp_path,
                                     validation_data=data)
    assert len(history["loss"]) == len(history["val_loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    assert training.find_optimizers(model) == {"optimizer": model.optimizer}
