"""Resumable training: an interrupted run, resumed, ends where the uninterrupted run ends."""

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


def make(poison_at=None, cls=None, lr=1e-2):
    training.set_seed(1, deterministic=True)
    model = (cls or ToyGAN)()
    model.compile(keras.optimizers.Adam(lr), keras.optimizers.Adam(lr), poison_at)
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


def test_steps_and_chunks_on_an_endless_stream(tmp_path):
    model, data = make()
    history = training.fit_resumable(model, data.repeat(), steps=12, steps_per_chunk=4,
                                     checkpoint_root=tmp_path)
    assert len(history["g_loss"]) == 3 and int(model.g_optimizer.iterations.numpy()) == 12
    with pytest.raises(ValueError, match="multiple"):
        training.fit_resumable(model, data.repeat(), steps=10, steps_per_chunk=4, checkpoint_root=tmp_path)
    with pytest.raises(ValueError, match="either steps"):
        training.fit_resumable(model, data, steps=8, epochs=2, checkpoint_root=tmp_path)


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


def only_checkpoint(root):
    (path,) = root.rglob(training.CHECKPOINT_FILE)
    return path


def test_nan_stops_with_step_and_keeps_last_good_checkpoint(tmp_path):
    model, data = make(poison_at=13)  # poisoned from the 13th step on, in the second chunk
    with pytest.raises(training.TrainingDivergedError) as error:
        training.fit_resumable(model, data, epochs=4, name="toy", checkpoint_root=tmp_path)
    message = str(error.value)
    assert "step 13" in message and "step 8)" in message  # where it broke, what is kept
    meta, _ = training.read_checkpoint(only_checkpoint(tmp_path).parent)
    assert meta["chunk"] == 1


class WeightPoisoner(ToyGAN):
    """Its generator's weights become NaN in the second chunk while the logged losses stay finite."""

    def train_step(self, x):
        logs = super().train_step(x)
        kernel = self.generator.layers[0].kernel
        step = tf.cast(self.g_optimizer.iterations, tf.float32)
        kernel.assign(tf.where(step > 10.0, kernel * np.float32("nan"), kernel))
        return logs


def test_non_finite_weights_are_never_saved(tmp_path):
    model, data = make(cls=WeightPoisoner)
    with pytest.raises(training.TrainingDivergedError, match="weights"):
        training.fit_resumable(model, data, epochs=3, name="toy", checkpoint_root=tmp_path)
    meta, arrays = training.read_checkpoint(only_checkpoint(tmp_path).parent)
    assert meta["chunk"] == 1
    assert all(np.all(np.isfinite(a)) for k, a in arrays.items() if k.startswith("model/") and a.dtype.kind == "f")


def test_mismatched_checkpoint_is_refused(tmp_path):
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    before = weights(other)
    with pytest.raises(training.CheckpointError, match="fresh=True"):
        training.load_state(other, only_checkpoint(tmp_path).parent)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(other)))  # nothing half restored


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_damaged_checkpoint_is_refused_with_the_folder_named(tmp_path, damage):
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    path = only_checkpoint(tmp_path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":  # one weight changed inside an intact archive: only the digest sees it
        meta, arrays = training.read_checkpoint(path.parent)
        arrays["model/0"] = arrays["model/0"] + 1.0
        arrays["__meta__"] = np.frombuffer(__import__("json").dumps(meta).encode(), dtype=np.uint8)
        training.write_atomically(path, arrays)
    elif damage == "garbage":
        path.write_bytes(b"<html>not a checkpoint</html>")
    else:
        path.write_bytes(b"")
    model, data = make()
    before = weights(model)
    with pytest.raises(training.CheckpointError) as error:
        training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    assert str(path.parent) in str(error.value) and "fresh=True" in str(error.value)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(model)))
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path, fresh=True)


def test_a_failed_write_leaves_the_last_checkpoint(tmp_path, monkeypatch):
    model, data = make()
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    path = only_checkpoint(tmp_path)
    good = path.read_bytes()

    def broken(handle, **arrays):
        handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    model, data = make()
    with pytest.raises(OSError, match="disk full"):
        training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    assert path.read_bytes() == good
    assert [p.name for p in path.parent.iterdir()] == [training.CHECKPOINT_FILE]  # no temp file left


def test_resume_keeps_the_learning_rate_of_the_code(tmp_path):
    model, data = make(lr=1e-2)
    training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=tmp_path)
    folder = only_checkpoint(tmp_path).parent
    model, data = make(lr=1e-3)
    model.built = True
    training.load_state(model, folder)
    assert int(model.d_optimizer.iterations.numpy()) == 8  # step count and moments come back ...
    assert np.isclose(float(model.d_optimizer.learning_rate.numpy()), 1e-3)  # ... the rate does not


def test_unwritable_cache_fails_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    model, data = make()
    with pytest.raises(training.CheckpointError, match="GENMODELS_CACHE"):
        training.fit_resumable(model, data, epochs=1, name="toy", checkpoint_root=blocker)
    assert int(model.d_optimizer.iterations.numpy()) == 0


class TanhGAN(ToyGAN):
    def __init__(self):
        super().__init__()
        self.discriminator = keras.Sequential(
            [keras.Input((2,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])


class TwoStepGAN(ToyGAN):
    def __init__(self):
        super().__init__()
        self.k = 2  # a setting of the method, held by the model


def folder_of(model, data, root):
    training._ensure_built(model, data)
    return training.run_directory(model, data, 8, "toy", root)


def test_runs_that_differ_never_share_a_checkpoint(tmp_path):
    training.setup("dcgan", data="offline", seed=1)
    model, data = make()
    base = folder_of(model, data, tmp_path)
    assert folder_of(*make(), tmp_path) == base  # the same run: the same folder
    variants = {
        "activation": folder_of(*make(cls=TanhGAN), tmp_path),
        "optimizer": folder_of(*make(lr=1e-3), tmp_path),
        "a model setting": folder_of(*make(cls=TwoStepGAN), tmp_path),
        "data (shape)": folder_of(make()[0], data.map(lambda x: x[:, :1] * 1.0), tmp_path),
    }
    training.setup("dcgan", data="online", seed=1)
    variants["data source"] = folder_of(*make(), tmp_path)
    training.setup("dcgan", data="offline", seed=2)
    variants["seed"] = folder_of(*make(), tmp_path)
    training.setup("cgan", data="offline", seed=1)
    variants["settings"] = folder_of(*make(), tmp_path)
    training._CONTEXT.clear()
    folders = [base, *variants.values()]
    assert len(set(folders)) == len(folders), variants


def test_a_changed_activation_trains_instead_of_restoring(tmp_path):
    model, data = make()
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    model, data = make(cls=TanhGAN)
    training.fit_resumable(model, data, epochs=2, name="toy", checkpoint_root=tmp_path)
    assert int(model.d_optimizer.iterations.numpy()) == 16  # trained, not restored
    assert len(list(tmp_path.rglob(training.CHECKPOINT_FILE))) == 2


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


def test_unbuilt_model_is_built_from_the_first_batch(tmp_path):
    training.set_seed(0)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = Net()
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((32, 3), "float32")
    data = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(8)
    history = training.fit_resumable(model, data, epochs=1, name="net", checkpoint_root=tmp_path)
    assert model.built and len(history["loss"]) == 1
