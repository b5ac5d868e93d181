"""Seeding, and training that survives interruption: checkpoint every epoch, resume where it stopped.

:func:`fit_resumable` serves every model of the book, a compiled autoencoder as well as a GAN
with two optimizers and its own ``train_step``. At the end of each epoch (for GANs: each chunk of
``steps_per_epoch`` steps) it saves, atomically,

* every model variable, including the state of ``keras.random.SeedGenerator``s, so the noise a
  resumed run draws is the noise the uninterrupted run would have drawn;
* every optimizer found on the model (``model.optimizer`` and attributes such as
  ``d_optimizer``), with its step count and moments;
* the history so far.

A restarted run (a Colab disconnect, a closed laptop) restores all of it, skips the batches
already seen, and continues at the next epoch: at most one epoch is lost. A NaN loss stops
training with a message naming the step, and the last good checkpoint is kept.

(``keras.callbacks.BackupAndRestore`` restores model weights at epoch granularity but neither a
seed generator's state nor optimizers held outside ``compile``; hence this module.)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .profiles import DEFAULT_SEED

CACHE_ENV_VAR = "GENMODELS_CACHE"
STATE_FILE = "state.npz"
META_FILE = "meta.json"


class TrainingDivergedError(RuntimeError):
    """A loss became NaN or infinite; the message names the step and the checkpoint kept."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint does not fit the model it is restored into."""


def set_seed(seed: int = DEFAULT_SEED, deterministic: bool = False) -> int:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed``); return the seed.

    ``deterministic=True`` also makes TensorFlow's ops deterministic (slower on a GPU), so two
    runs on the same CPU give bit-identical weights.
    """
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return seed


def cache_dir(*parts: str) -> Path:
    """``$GENMODELS_CACHE`` (default ``~/.cache/genmodels``) joined with ``parts``, created."""
    root = Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "genmodels")
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- state
def find_optimizers(model: keras.Model) -> dict[str, keras.optimizers.Optimizer]:
    """The optimizers a model holds: ``model.optimizer`` and any attribute that is one, by name."""
    found: dict[str, keras.optimizers.Optimizer] = {}
    for name, value in sorted(vars(model).items()):
        if isinstance(value, keras.optimizers.Optimizer) and all(value is not v for v in found.values()):
            found[name.lstrip("_")] = value
    compiled = getattr(model, "optimizer", None)
    if isinstance(compiled, keras.optimizers.Optimizer) and all(compiled is not v for v in found.values()):
        found["optimizer"] = compiled
    return found


def _optimizer_targets(optimizer: keras.optimizers.Optimizer, model_vars: Sequence[Any]) -> list[int] | None:
    """Indices, into the model's variables, of the variables the optimizer updates (None: unbuilt)."""
    targets = getattr(optimizer, "_trainable_variables", None)
    if not optimizer.built or targets is None:
        return None
    ids = {id(v): i for i, v in enumerate(model_vars)}
    missing = [v.path for v in targets if id(v) not in ids]
    if missing:
        raise CheckpointMismatchError(f"optimizer updates variables the model does not hold: {missing[:3]}")
    return [ids[id(v)] for v in targets]


def model_fingerprint(model: keras.Model, extra: str = "") -> str:
    """A short hash of the model's variable shapes (and ``extra``), naming its checkpoint folder."""
    shapes = [tuple(v.shape) for v in model.variables]
    return hashlib.sha256(repr((shapes, extra)).encode()).hexdigest()[:12]


def save_state(model: keras.Model, directory: Path, meta: dict[str, Any]) -> None:
    """Write model variables, optimizer variables and ``meta`` into ``directory``, atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_vars = list(model.variables)
    arrays = {f"model/{i}": np.asarray(v.numpy()) for i, v in enumerate(model_vars)}
    optimizers = {}
    for name, optimizer in find_optimizers(model).items():
        targets = _optimizer_targets(optimizer, model_vars)
        if targets is None:
            continue
        optimizers[name] = targets
        for j, v in enumerate(optimizer.variables):
            arrays[f"opt/{name}/{j}"] = np.asarray(v.numpy())
    meta = {**meta, "optimizers": optimizers, "n_model_vars": len(model_vars)}
    tmp = directory / (STATE_FILE + ".tmp.npz")
    np.savez(tmp, **arrays)
    (directory / (META_FILE + ".tmp")).write_text(json.dumps(meta))
    os.replace(tmp, directory / STATE_FILE)
    os.replace(directory / (META_FILE + ".tmp"), directory / META_FILE)


def load_state(model: keras.Model, directory: Path) -> dict[str, Any] | None:
    """Restore what :func:`save_state` wrote; return its meta, or None if there is no checkpoint."""
    directory = Path(directory)
    if not (directory / STATE_FILE).is_file() or not (directory / META_FILE).is_file():
        return None
    meta = json.loads((directory / META_FILE).read_text())
    model_vars = list(model.variables)
    with np.load(directory / STATE_FILE) as arrays:
        if meta["n_model_vars"] != len(model_vars):
            raise CheckpointMismatchError(
                f"{directory} holds {meta['n_model_vars']} model variables, the model has "
                f"{len(model_vars)}; pass fresh=True or delete the folder to start over.")
        for i, v in enumerate(model_vars):
            value = arrays[f"model/{i}"]
            if tuple(value.shape) != tuple(v.shape):
                raise CheckpointMismatchError(
                    f"{directory}: variable {v.path} has shape {tuple(v.shape)}, checkpoint "
                    f"{value.shape}; pass fresh=True or delete the folder to start over.")
            v.assign(value)
        optimizers = find_optimizers(model)
        for name, targets in meta["optimizers"].items():
            if name not in optimizers:
                raise CheckpointMismatchError(f"{directory} has optimizer {name!r}; the model has none")
            optimizer = optimizers[name]
            if not optimizer.built:
                optimizer.build([model_vars[i] for i in targets])
            for j, v in enumerate(optimizer.variables):
                v.assign(arrays[f"opt/{name}/{j}"])
    return meta


# ----------------------------------------------------------------------------- callback
class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the training state at each epoch end; stops on a non-finite loss without saving."""

    def __init__(self, directory: Path, history: dict[str, list[float]], steps_per_epoch: int,
                 watch: Sequence[str] | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.history = history
        self.steps_per_epoch = steps_per_epoch
        self.watch = watch
        self.diverged_at: tuple[int, str, float] | None = None
        self.last_saved_epoch: int | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            if self.watch is not None and key not in self.watch:
                continue
            value = float(np.asarray(value).mean()) if np.size(value) else 0.0
            if not math.isfinite(value):
                self.diverged_at = (self._epoch * self.steps_per_epoch + batch + 1, key, value)
                self.model.stop_training = True
                return

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.diverged_at is not None:
            return
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(np.asarray(value).mean()))
        save_state(self.model, self.directory, {"epoch": epoch + 1, "history": self.history,
                                                "steps_per_epoch": self.steps_per_epoch})
        self.last_saved_epoch = epoch + 1


# ----------------------------------------------------------------------------- fit
def fit_resumable(model: keras.Model, data: tf.data.Dataset, *, epochs: int, name: str,
                  steps_per_epoch: int | None = None, key: str = "", fresh: bool = False,
                  callbacks: Iterable[keras.callbacks.Callback] = (), verbose: int | str = 0,
                  checkpoint_root: Path | None = None, **fit_kwargs: Any) -> dict[str, list[float]]:
    """``model.fit`` that checkpoints every epoch and resumes a stopped run where it stopped.

    ``data`` is a batched ``tf.data.Dataset``: finite (one pass per epoch) or infinite, then with
    ``steps_per_epoch``. Its order must be seeded (``shuffle(..., seed=...)``) for a resumed run
    to see the batches the uninterrupted run would have seen. The checkpoint lives in
    ``cache_dir("runs", name, fingerprint)``, where the fingerprint hashes the model's variable
    shapes and ``key`` (pass the profile, data source and seed), so different models never mix.
    Returns the whole history, restored epochs included.
    """
    if steps_per_epoch is None:
        cardinality = int(data.cardinality())
        if cardinality < 0:
            raise ValueError("an infinite or unknown-length dataset needs steps_per_epoch")
        steps_per_epoch = cardinality
    if not model.built:
        raise ValueError(f"build {model.name} before fit_resumable (call it on a batch or use model.build)")
    root = Path(checkpoint_root) if checkpoint_root else cache_dir("runs", name)
    directory = root / model_fingerprint(model, f"{key}|{steps_per_epoch}")
    if fresh and directory.exists():
        shutil.rmtree(directory)
    meta = load_state(model, directory)
    initial_epoch = int(meta["epoch"]) if meta else 0
    history: dict[str, list[float]] = {k: list(v) for k, v in (meta or {}).get("history", {}).items()}
    if initial_epoch:
        print(f"Resuming {name} from its checkpoint at epoch {initial_epoch}/{epochs} ({directory}).")
    if initial_epoch >= epochs:
        return history
    stream = data.repeat().skip(initial_epoch * steps_per_epoch)
    checkpoint = EpochCheckpoint(directory, history, steps_per_epoch)
    model.fit(stream, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
              callbacks=[*callbacks, checkpoint], verbose=verbose, **fit_kwargs)
    if checkpoint.diverged_at is not None:
        step, loss_name, value = checkpoint.diverged_at
        kept = initial_epoch if checkpoint.last_saved_epoch is None else checkpoint.last_saved_epoch
        raise TrainingDivergedError(
            f"{name}: loss {loss_name!r} became {value} at step {step}. Training stopped; the last "
            f"good checkpoint (epoch {kept}, step {kept * steps_per_epoch}) is kept in {directory}. "
            "Lower the learning rate or check the data, then run again to resume from it.")
    return history
