"""A chapter's run context, and training that survives interruption.

:func:`setup` starts a chapter (seed, banner, settings table) and remembers what defines its runs.
:func:`fit_resumable` trains any model of the book (a compiled autoencoder or a GAN with two
optimizers and its own ``train_step``) in chunks of steps, and after each chunk writes one
checkpoint file, atomically, holding

* every model variable, including the state of ``keras.random.SeedGenerator``s, so the noise a
  resumed run draws is the noise the uninterrupted run would have drawn;
* every optimizer found on the model (``model.optimizer`` and attributes such as
  ``d_optimizer``): its step count and moments, but never its learning rate, which always comes
  from the code that built it;
* the history so far and the records of the monitors (:mod:`genmodels.adversarial`);
* a SHA-256 digest of all of it, checked on load.

The checkpoint's folder is named by a digest of everything that changes the run: each layer's
class and configuration, the variables' shapes, the model's own settings and the code of its
methods, the optimizers' classes and configurations, the chapter, profile, settings, data source
and seed given to :func:`setup`, and the chunk length. Change any of them and the run starts
afresh; change none and it resumes where it stopped, at most one chunk lost.

(``keras.callbacks.BackupAndRestore`` restores weights at epoch granularity but neither a seed
generator's state nor optimizers held outside ``compile``; hence this module.)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import types
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .data import atomic_write
from .profiles import DEFAULT_SEED, banner, current_profile, settings, settings_table

CACHE_ENV_VAR = "GENMODELS_CACHE"
CHECKPOINT_FILE = "checkpoint.npz"
_META_KEY = "__meta__"
FORMAT = 2  # bump when the checkpoint layout changes: older folders are then not matched

# What gm.setup recorded for this chapter's runs (chapter, profile, settings, data, seed).
_CONTEXT: dict[str, Any] = {}


class TrainingDivergedError(RuntimeError):
    """A loss or a weight became NaN or infinite; the message names the step and the checkpoint kept."""


class CheckpointError(RuntimeError):
    """A checkpoint cannot be read, does not fit the model, or cannot be written."""


CheckpointMismatchError = CheckpointError  # the name earlier versions used


def set_seed(seed: int = DEFAULT_SEED, deterministic: bool = False) -> int:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed``); return the seed.

    ``deterministic=True`` also makes TensorFlow's ops deterministic (slower on a GPU), so two
    runs on the same CPU give bit-identical weights.
    Used by chapter 04.
    """
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return seed


def setup(chapter: str, data: str, seed: int = DEFAULT_SEED) -> Mapping[str, Any]:
    """Start a chapter: seed everything, print the banner, show the settings; return the settings.

    Every chapter calls it once, in its setup cell. It also records the chapter, profile,
    settings, data source and seed, which :func:`fit_resumable` folds into each run's identity.
    Used by every chapter.
    """
    cfg = settings(chapter)
    set_seed(seed)
    _CONTEXT.clear()
    _CONTEXT.update(chapter=chapter, profile=current_profile(), settings=dict(cfg), data=str(data),
                    seed=int(seed))
    banner(chapter, data, seed)
    try:
        from IPython.display import Markdown, display

        display(Markdown(settings_table(chapter)))
    except ImportError:  # pragma: no cover - IPython is a dependency
        print(settings_table(chapter))
    return cfg


def cache_dir(*parts: str) -> Path:
    """``$GENMODELS_CACHE`` (default ``~/.cache/genmodels``) joined with ``parts``, created."""
    root = Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "genmodels")
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- identity
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


def _without_names(config: Any) -> Any:
    """A layer or optimizer config with its (auto-numbered) names removed, JSON-ready."""
    if isinstance(config, Mapping):
        return {str(k): _without_names(v) for k, v in sorted(config.items(), key=lambda kv: str(kv[0]))
                if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    if isinstance(config, (str, int, float, bool)) or config is None:
        return config
    return repr(config)


def _config_of(obj: Any) -> Any:
    try:
        return _without_names(obj.get_config())
    except (NotImplementedError, TypeError, AttributeError, ValueError):
        return None


def _code_digest(code: types.CodeType) -> str:
    """A digest of a function's code that ignores memory addresses (nested code included)."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        parts.append(_code_digest(const) if isinstance(const, types.CodeType) else repr(const))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _methods_digest(cls: type) -> dict[str, str]:
    """Digests of the methods a model class defines itself (train_step ...), up to Keras's own."""
    digests: dict[str, str] = {}
    for klass in cls.__mro__:
        if klass.__module__.startswith(("keras", "tensorflow", "builtins")):
            continue
        for name, member in vars(klass).items():
            member = member.fget if isinstance(member, property) else member
            code = getattr(member, "__code__", None)
            if isinstance(code, types.CodeType) and f"{klass.__qualname__}.{name}" not in digests:
                digests[f"{klass.__qualname__}.{name}"] = _code_digest(code)
    return digests


_BASE_ATTRIBUTES: set[str] | None = None


def _own_settings(model: keras.Model) -> dict[str, Any]:
    """The model's scalar attributes that a plain ``keras.Model`` does not have (n_critic, k ...)."""
    global _BASE_ATTRIBUTES
    if _BASE_ATTRIBUTES is None:
        _BASE_ATTRIBUTES = set(vars(keras.Model()))
    return {k: v for k, v in sorted(vars(model).items())
            if k not in _BASE_ATTRIBUTES and not k.startswith("_")
            and isinstance(v, (bool, int, float, str)) and not (isinstance(v, float) and math.isnan(v))}


def _layers(model: keras.Model) -> list[Any]:
    flatten = getattr(model, "_flatten_layers", None)
    return list(flatten(include_self=False, recursive=True)) if flatten else list(model.layers)


def run_identity(model: keras.Model, data: tf.data.Dataset, steps_per_chunk: int) -> dict[str, Any]:
    """Everything that defines a run, as a JSON-ready dict (its digest names the checkpoint folder)."""
    return {
        "format": FORMAT,
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "layers": [[f"{type(layer).__module__}.{type(layer).__qualname__}", _config_of(layer)]
                   for layer in _layers(model)],
        "shapes": [list(v.shape) for v in model.variables],
        "attributes": _own_settings(model),
        "jit_compile": repr(getattr(model, "jit_compile", None)),
        "code": _methods_digest(type(model)),
        "optimizers": {name: [type(opt).__name__, _config_of(opt)]
                       for name, opt in find_optimizers(model).items()},
        "context": {k: _without_names(v) for k, v in _CONTEXT.items()},
        "data": repr(data.element_spec),
        "steps_per_chunk": int(steps_per_chunk),
    }


def _digest(identity: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=repr).encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- checkpoint file
def _optimizer_targets(optimizer: keras.optimizers.Optimizer, model_vars: Sequence[Any]) -> list[int] | None:
    """Indices, into the model's variables, of the variables the optimizer updates (None: unbuilt)."""
    targets = getattr(optimizer, "_trainable_variables", None)
    if not optimizer.built or targets is None:
        return None
    ids = {id(v): i for i, v in enumerate(model_vars)}
    missing = [v.path for v in targets if id(v) not in ids]
    if missing:
        raise CheckpointError(f"optimizer updates variables the model does not hold: {missing[:3]}")
    return [ids[id(v)] for v in targets]


def _is_learning_rate(optimizer: keras.optimizers.Optimizer, variable: Any) -> bool:
    return variable is getattr(optimizer, "_learning_rate", None)


def _arrays_digest(arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(arrays):
        value = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def write_atomically(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as one ``.npz`` that replaces ``path`` in a single step (never half-written)."""
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays))


def save_state(model: keras.Model, directory: Path, meta: dict[str, Any],
               extra: Mapping[str, np.ndarray] | None = None) -> None:
    """Write model and optimizer variables, ``meta`` and ``extra`` arrays as one checkpoint file.

    Raises :class:`TrainingDivergedError` instead of saving weights that are NaN or infinite.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_vars = list(model.variables)
    arrays = {f"model/{i}": np.asarray(v.numpy()) for i, v in enumerate(model_vars)}
    bad = [v.path for v, a in zip(model_vars, arrays.values())
           if a.dtype.kind == "f" and not np.all(np.isfinite(a))]
    if bad:
        raise TrainingDivergedError(f"weights became NaN or infinite ({', '.join(bad[:3])}); "
                                    f"not saved over the last good checkpoint in {directory}")
    optimizers = {}
    for name, optimizer in find_optimizers(model).items():
        targets = _optimizer_targets(optimizer, model_vars)
        if targets is None:
            continue
        optimizers[name] = targets
        for j, v in enumerate(optimizer.variables):
            arrays[f"opt/{name}/{j}"] = np.asarray(v.numpy())
    arrays.update(extra or {})
    meta = {**meta, "optimizers": optimizers, "n_model_vars": len(model_vars),
            "digest": _arrays_digest(arrays)}
    arrays[_META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    write_atomically(directory / CHECKPOINT_FILE, arrays)


def _start_over(directory: Path) -> str:
    return f"delete {directory} (or pass fresh=True) to start this run over"


def read_checkpoint(directory: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The verified ``(meta, arrays)`` of the checkpoint in ``directory``; None if there is none."""
    path = Path(directory) / CHECKPOINT_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        meta = json.loads(arrays.pop(_META_KEY).tobytes().decode())
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"the checkpoint {path} is damaged ({type(error).__name__}: {error}); "
                              f"{_start_over(directory)}") from None
    if not isinstance(meta, dict) or meta.get("digest") != _arrays_digest(arrays):
        raise CheckpointError(f"the checkpoint {path} does not match its digest (a damaged or "
                              f"edited file); {_start_over(directory)}")
    return meta, arrays


def load_state(model: keras.Model, directory: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """Restore what :func:`save_state` wrote; return ``(meta, arrays)``, or None if there is none.

    Everything is checked before anything is assigned, so a refused checkpoint leaves the model
    as it was. Optimizers get their step count and moments back, not their learning rate.
    """
    directory = Path(directory)
    found = read_checkpoint(directory)
    if found is None:
        return None
    meta, arrays = found
    model_vars = list(model.variables)
    if meta.get("n_model_vars") != len(model_vars):
        raise CheckpointError(f"{directory} holds {meta.get('n_model_vars')} model variables, the "
                              f"model has {len(model_vars)}; {_start_over(directory)}")
    plan: list[tuple[Any, np.ndarray]] = []
    for i, v in enumerate(model_vars):
        value = arrays.get(f"model/{i}")
        if value is None or tuple(value.shape) != tuple(v.shape):
            raise CheckpointError(f"{directory}: variable {v.path} has shape {tuple(v.shape)}, the "
                                  f"checkpoint {None if value is None else value.shape}; {_start_over(directory)}")
        plan.append((v, value))
    optimizers = find_optimizers(model)
    for name, targets in meta.get("optimizers", {}).items():
        if name not in optimizers:
            raise CheckpointError(f"{directory} has optimizer {name!r}; the model has none")
        optimizer = optimizers[name]
        if not optimizer.built:
            optimizer.build([model_vars[i] for i in targets])
        for j, v in enumerate(optimizer.variables):
            value = arrays.get(f"opt/{name}/{j}")
            if value is None or tuple(value.shape) != tuple(v.shape):
                raise CheckpointError(f"{directory}: optimizer {name!r} does not fit its checkpoint; "
                                      f"{_start_over(directory)}")
            if not _is_learning_rate(optimizer, v):
                plan.append((v, value))
    for variable, value in plan:
        variable.assign(value)
    return meta, arrays


def _check_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-test.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise CheckpointError(f"cannot write checkpoints to {directory} ({error.strerror}); set "
                              f"{CACHE_ENV_VAR} to a writable folder") from None


# ----------------------------------------------------------------------------- callback
class ChunkCheckpoint(keras.callbacks.Callback):
    """Saves the training state (and the monitors' records) at each chunk's end; stops on NaN."""

    def __init__(self, directory: Path, history: dict[str, list[float]], steps_per_chunk: int,
                 monitors: Sequence[Any] = ()) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.history = history
        self.steps_per_chunk = steps_per_chunk
        self.monitors = list(monitors)
        self.diverged_at: tuple[int, str, float] | None = None
        self.last_saved_chunk: int | None = None
        self._chunk = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._chunk = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            value = float(np.asarray(value).mean()) if np.size(value) else 0.0
            if not math.isfinite(value):
                self.diverged_at = (self._chunk * self.steps_per_chunk + batch + 1, key, value)
                self.model.stop_training = True
                return

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.diverged_at is not None:
            return
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(np.asarray(value).mean()))
        extra: dict[str, np.ndarray] = {}
        records = []
        for i, monitor in enumerate(self.monitors):
            arrays, record = monitor.state()
            extra.update({f"monitor/{i}/{k}": v for k, v in arrays.items()})
            records.append(record)
        step = (epoch + 1) * self.steps_per_chunk
        try:
            save_state(self.model, self.directory, {"chunk": epoch + 1, "history": self.history,
                                                    "steps_per_chunk": self.steps_per_chunk,
                                                    "monitors": records}, extra)
        except TrainingDivergedError:
            self.diverged_at = (step, "weights", math.nan)
            self.model.stop_training = True
            return
        self.last_saved_chunk = epoch + 1


# ----------------------------------------------------------------------------- fit
def _ensure_built(model: keras.Model, data: tf.data.Dataset) -> None:
    if model.built:
        return
    if all(layer.built for layer in _layers(model)):
        model.built = True  # a wrapper (a GAN) whose networks are built: nothing left to create
        return
    batch = next(iter(data.take(1)))
    inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
    try:
        model(inputs)
    except Exception as error:
        raise ValueError(f"{model.name} is not built and calling it on a batch of the data failed "
                         f"({error}); build it first (call it on an input, or use model.build)") from error


def _chunks(data: tf.data.Dataset, steps: int | None, steps_per_chunk: int | None,
            epochs: int | None) -> tuple[int, int]:
    """(number of chunks, steps per chunk) from either ``steps`` or ``epochs``."""
    if (steps is None) == (epochs is None):
        raise ValueError("give either steps= (with steps_per_chunk=) or epochs= (one pass each)")
    if epochs is not None:
        if int(epochs) < 1:
            raise ValueError(f"epochs must be a positive number of passes; got {epochs}")
        if steps_per_chunk is None:
            cardinality = int(data.cardinality())
            if cardinality < 1:
                raise ValueError("an infinite or unknown-length dataset needs steps= and steps_per_chunk=")
            steps_per_chunk = cardinality
        return int(epochs), int(steps_per_chunk)
    steps_per_chunk = int(steps_per_chunk or steps)
    if steps_per_chunk < 1 or int(steps) < 1 or int(steps) % steps_per_chunk:
        raise ValueError(f"steps ({steps}) must be a positive multiple of steps_per_chunk ({steps_per_chunk})")
    return int(steps) // steps_per_chunk, steps_per_chunk


def run_directory(model: keras.Model, data: tf.data.Dataset, steps_per_chunk: int, name: str | None = None,
                  checkpoint_root: Path | None = None) -> Path:
    """The folder of this run's checkpoint: ``cache/runs/<chapter>/<name>/<identity digest>``."""
    root = Path(checkpoint_root) if checkpoint_root else cache_dir("runs", _CONTEXT.get("chapter", "other"))
    return root / (name or model.name) / _digest(run_identity(model, data, steps_per_chunk))


def fit_resumable(model: keras.Model, data: tf.data.Dataset, *, steps: int | None = None,
                  steps_per_chunk: int | None = None, epochs: int | None = None, name: str | None = None,
                  monitors: Iterable[Any] = (), callbacks: Iterable[keras.callbacks.Callback] = (),
                  fresh: bool = False, verbose: int | str = 0, checkpoint_root: Path | None = None,
                  **fit_kwargs: Any) -> dict[str, list[float]]:
    """``model.fit`` in chunks, checkpointed after each, resumed where a stopped run stopped.

    Give ``steps`` and ``steps_per_chunk`` for an endless ``tf.data`` pipeline (GANs), or
    ``epochs`` for a finite one (a chunk is then one pass). The pipeline's order must be seeded
    (``shuffle(..., seed=...)``) for a resumed run to see the batches the uninterrupted run saw.
    ``monitors`` (``SampleMonitor``, ``MetricMonitor``) are checkpointed and restored with the
    run. The run's folder comes from :func:`run_directory`; ``fresh=True`` deletes it first.
    The data enter the run's identity by their structure (shapes, dtypes) and by the data source
    given to :func:`setup`, not by their content (reading a batch would move a seeded shuffle
    on): two runs of one model on different data of the same shape need different ``name``s.
    Returns the whole history (one mean per chunk), restored chunks included. Used by every chapter.
    """
    chunks, steps_per_chunk = _chunks(data, steps, steps_per_chunk, epochs)
    monitors = list(monitors)
    _ensure_built(model, data)
    name = name or model.name
    directory = run_directory(model, data, steps_per_chunk, name, checkpoint_root)
    if fresh and directory.exists():
        shutil.rmtree(directory)
    _check_writable(directory)
    found = load_state(model, directory)
    meta, arrays = found if found else ({}, {})
    initial = int(meta.get("chunk", 0))
    records = meta.get("monitors") or [None] * len(monitors)
    if len(records) != len(monitors):
        raise CheckpointError(f"{directory} holds {len(records)} monitor records for {len(monitors)} "
                              f"monitors; {_start_over(directory)}")
    for i, (monitor, record) in enumerate(zip(monitors, records)):
        prefix = f"monitor/{i}/"
        monitor.restore({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}, record)
    history: dict[str, list[float]] = {k: list(v) for k, v in meta.get("history", {}).items()}
    if initial >= chunks:
        print(f"{name}: the finished run ({chunks * steps_per_chunk:,} steps) was restored from {directory}.")
        return history
    if initial:
        print(f"{name}: resuming at step {initial * steps_per_chunk:,} of {chunks * steps_per_chunk:,} "
              f"from {directory}.")
    stream = data.repeat().skip(initial * steps_per_chunk)
    checkpoint = ChunkCheckpoint(directory, history, steps_per_chunk, monitors)
    model.fit(stream, epochs=chunks, initial_epoch=initial, steps_per_epoch=steps_per_chunk,
              callbacks=[*monitors, *callbacks, checkpoint], verbose=verbose, shuffle=False, **fit_kwargs)
    if checkpoint.diverged_at is not None:
        step, what, value = checkpoint.diverged_at
        kept = initial if checkpoint.last_saved_chunk is None else checkpoint.last_saved_chunk
        raise TrainingDivergedError(
            f"{name}: {what!r} became {value} at step {step}. Training stopped; the last good "
            f"checkpoint (step {kept * steps_per_chunk:,}) is kept in {directory}. Check the data "
            "or lower the learning rate (a changed learning rate starts a new run).")
    return history
