"""SampleMonitor and MetricMonitor: snapshots from fixed noise, views, and survival of a resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from genmodels import adversarial, training


class ToyGAN(keras.Model):
    """A generator of 4x4 'images' and a critic, trained with two optimizers (as in the chapters)."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(16, activation="sigmoid"), keras.layers.Reshape((4, 4))])
        self.critic = keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
        self.seed_generator = keras.random.SeedGenerator(5)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def call(self, z):
        return self.generator(z)

    def train_step(self, x):
        z = keras.random.normal((tf.shape(x)[0], 3), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            d_loss = tf.reduce_mean(self.critic(self.generator(z))) - tf.reduce_mean(self.critic(x))
        grads = tape.gradient(d_loss, self.critic.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.critic(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


FIXED_NOISE = np.random.default_rng(7).normal(size=(6, 3)).astype("float32")


def make(cls=ToyGAN):
    training.set_seed(2, deterministic=True)
    model = cls()
    model.compile(keras.optimizers.Adam(5e-2), keras.optimizers.Adam(5e-2))
    images = np.random.default_rng(0).random((64, 4, 4)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images).shuffle(64, seed=0).batch(16)
    return model, data


def monitors(model, every=1):
    sample = adversarial.SampleMonitor(lambda: model.generator(FIXED_NOISE), every=every)
    metric = adversarial.MetricMonitor(lambda m: {"mean": float(np.mean(m.generator(FIXED_NOISE)))},
                                       every=every)
    return sample, metric


def test_records_untrained_and_every_chunks(tmp_path):
    model, data = make()
    sample, metric = monitors(model, every=2)
    training.fit_resumable(model, data, epochs=5, name="toy", checkpoint_root=tmp_path, monitors=[sample, metric])
    assert [s for s, _ in sample.snapshots] == [0, 8, 16, 20]  # start, every 2 chunks of 4 steps, the end
    assert [s for s, _ in metric.rows] == [0, 8, 16, 20]
    assert sample.snapshots[0][1].shape == (6, 4, 4)
    assert not np.allclose(sample.snapshots[0][1], sample.snapshots[-1][1])  # training moved the samples
    assert sample.label(20) == "step 20" and metric.label(1500) == "step 1,500"


def test_views_build(tmp_path):
    model, data = make()
    sample, metric = monitors(model)
    training.fit_resumable(model, data, epochs=3, name="toy", checkpoint_root=tmp_path, monitors=[sample, metric])
    assert sample.frames(ncols=3).shape == (4, 2 * 5 - 1, 3 * 5 - 1)
    fig = sample.figure(panels=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["step 0", "step 8", "step 12"]
    box = sample.slider()
    first = box.image.value
    box.slider.value = 3
    assert box.image.value != first and box.slider.max == 3
    page = sample.static_explorer(title="toy")._repr_html_()
    assert page.count("data:image/png;base64,") >= 4 and 'type="range"' in page
    steps, values = metric.series("mean")
    assert list(steps) == [0, 4, 8, 12] and values.shape == (4,)


def test_records_survive_a_resume_inside_the_checkpoint(tmp_path):
    model, data = make()
    sample, metric = monitors(model)
    training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path / "a",
                           monitors=[sample, metric])
    expected, expected_rows = sample.snapshots, metric.rows

    model, data = make()
    sample, metric = monitors(model)
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path / "b",
                           monitors=[sample, metric])
    model, data = make()  # a new session: new objects, records come back with the checkpoint
    sample, metric = monitors(model)
    training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path / "b",
                           monitors=[sample, metric])
    assert [s for s, _ in sample.snapshots] == [s for s, _ in expected] == [0, 4, 8, 12, 16]
    for (_, a), (_, b) in zip(expected, sample.snapshots):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert [s for s, _ in metric.rows] == [0, 4, 8, 12, 16]
    np.testing.assert_allclose([r["mean"] for _, r in metric.rows], [r["mean"] for _, r in expected_rows],
                               atol=1e-6)

    # A finished run is not retrained, and its monitors still hold the whole record.
    model, data = make()
    sample, metric = monitors(model)
    training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path / "b",
                           monitors=[sample, metric])
    assert len(sample.snapshots) == 5 and len(metric.rows) == 5
    assert not list((tmp_path / "b").rglob("*.json"))  # one file per run, nothing beside it


def test_a_finished_run_shows_its_own_curves(tmp_path):
    """Two finished runs that differ only in seed: each one, restored, shows its own records."""
    rows = {}
    for seed in (1, 2):
        training.setup("dcgan", data="toy", seed=seed)
        model, data = make()
        model.seed_generator = keras.random.SeedGenerator(seed)
        _, metric = monitors(model)
        training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path, monitors=[metric])
        rows[seed] = metric.rows
    assert rows[1] != rows[2]
    for seed in (1, 2):
        training.setup("dcgan", data="toy", seed=seed)
        model, data = make()
        model.seed_generator = keras.random.SeedGenerator(seed)
        _, metric = monitors(model)
        training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path, monitors=[metric])
        assert metric.rows == rows[seed]
        assert int(model.d_optimizer.iterations.numpy()) == 8  # restored, not retrained
    training._CONTEXT.clear()


def test_restart_drops_stale_snapshots(tmp_path):
    model, data = make()
    sample, _ = monitors(model)
    training.fit_resumable(model, data, epochs=3, name="toy", checkpoint_root=tmp_path, monitors=[sample])
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path, fresh=True,
                           monitors=[sample])  # the same monitor object, a fresh run
    assert [s for s, _ in sample.snapshots] == [0, 4]


def test_bad_samples_and_settings():
    with pytest.raises(ValueError, match="from_signed"):
        adversarial._as_images(np.full((2, 4, 4), -0.5))
    with pytest.raises(ValueError, match="shape"):
        adversarial._as_images(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="every"):
        adversarial.SampleMonitor(lambda: np.zeros((1, 4, 4)), every=0)
    with pytest.raises(ValueError, match="no snapshots"):
        adversarial.SampleMonitor(lambda: np.zeros((1, 4, 4))).figure()


# ----------------------------------------------------------------------------- weight averaging
class AveragedToyGAN(ToyGAN):
    """ToyGAN that also keeps the moving average of its generator's weights."""

    def __init__(self, decay=0.9):
        super().__init__()
        self.decay = decay
        self.average = adversarial.averaged_copy(self.generator, name="average")

    def train_step(self, x):
        logs = super().train_step(x)
        adversarial.update_average(self.average, self.generator, self.decay, self.g_optimizer.iterations)
        return logs


def test_update_average_follows_the_formula():
    live = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    average = adversarial.averaged_copy(live)
    assert not average.trainable and average.trainable_weights == []
    start = [w.copy() for w in average.get_weights()]
    for v in live.variables:
        v.assign(v + 1.0)
    adversarial.update_average(average, live, decay=0.999, step=1)  # warm-up: beta = 2/11
    beta = 2 / 11
    for old, new, value in zip(start, average.get_weights(), live.get_weights()):
        np.testing.assert_allclose(new, beta * old + (1 - beta) * value, rtol=1e-6)
    assert float(adversarial.average_decay(0.999, 100_000)) == pytest.approx(0.999)
    assert float(adversarial.average_decay(0.999, 10)) == pytest.approx(11 / 20)


def test_average_lags_the_generator_and_survives_a_resume(tmp_path):
    model, data = make(AveragedToyGAN)
    training.fit_resumable(model, data, epochs=4, name="avg", checkpoint_root=tmp_path / "a")
    expected = [w.copy() for w in model.average.get_weights()]
    live = model.generator.get_weights()
    assert not all(np.allclose(a, b) for a, b in zip(expected, live))  # an average, not a copy

    model, data = make(AveragedToyGAN)
    training.fit_resumable(model, data, epochs=2, name="avg", checkpoint_root=tmp_path / "b")
    model, data = make(AveragedToyGAN)  # a new session: the average comes back from the checkpoint
    training.fit_resumable(model, data, epochs=4, name="avg", checkpoint_root=tmp_path / "b")
    for a, b in zip(expected, model.average.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_average_refuses_bad_settings():
    live = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        adversarial.update_average(adversarial.averaged_copy(live), live, decay=1.0, step=1)
    with pytest.raises(ValueError, match="averaged_copy"):
        adversarial.update_average(other, live, decay=0.9, step=1)
    with pytest.raises(ValueError, match="build"):
        adversarial.averaged_copy(keras.Sequential([keras.layers.Dense(2)]))
