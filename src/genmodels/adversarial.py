"""Watching adversarial training: samples from fixed noise and metrics, recorded as training runs.

:class:`SampleMonitor` draws images from the *same* noise at the start of training and every few
epochs (for GANs an "epoch" is a chunk of ``steps_per_epoch`` steps of ``gm.fit_resumable``), so
the reader sees one set of digits take shape. :class:`MetricMonitor` records numbers such as the
Fréchet distance at the same moments. Given a ``directory``, both save what they recorded after
every epoch and reload it, so a run resumed by ``gm.fit_resumable`` keeps the snapshots of the
epochs it does not repeat.

:func:`averaged_copy` and :func:`update_average` keep an exponential moving average of a
generator's weights inside a ``train_step`` (Yazıcı et al. 2019): a GAN's generator keeps
circling its opponent, and the average of its recent weights is usually a better generator than
the last one.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
from keras import ops

SNAPSHOT_FILE = "snapshots.npz"
ROWS_FILE = "metric_rows.json"


def _as_images(images: Any) -> np.ndarray:
    """``sample_fn``'s output as float32 (N, H, W[, C]) in [0, 1]; a clear error otherwise."""
    array = np.asarray(images, dtype=np.float32)
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] not in (1, 3)):
        raise ValueError(f"sample_fn must return images of shape (N, H, W) or (N, H, W, 1|3); got {array.shape}")
    finite = array[np.isfinite(array)]
    if finite.size and (finite.min() < -1e-3 or finite.max() > 1 + 1e-3):
        hint = " (for a tanh generator, return gm.from_signed(images))" if finite.min() >= -1 - 1e-3 else ""
        raise ValueError(f"sample_fn must return values in [0, 1]; got [{finite.min():.3g}, "
                         f"{finite.max():.3g}]{hint}")
    return array


def _atomic_save_npz(path: Path, **arrays: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


class _EpochRecorder(keras.callbacks.Callback):
    """Shared logic: record at the first epoch a run starts from, then every ``every`` epochs.

    Records are keyed by the number of completed epochs (0 = untrained). When a run (re)starts
    at epoch k, records from epoch k on are dropped and epoch k is recorded again, so a resumed
    or restarted run never mixes a stale future into its record.
    """

    def __init__(self, every: int = 1, directory: str | Path | None = None) -> None:
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"every must be a positive number of epochs; got {every}")
        self.every = int(every)
        self.directory = Path(directory) if directory is not None else None
        self._started = False

    # subclasses implement these
    def _epochs(self) -> list[int]:
        raise NotImplementedError

    def _truncate(self, epoch: int) -> None:
        raise NotImplementedError

    def _record(self, epoch: int) -> None:
        raise NotImplementedError

    def _save(self) -> None:
        raise NotImplementedError

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._started:
            self._started = True
            self._truncate(epoch)
            self._record(epoch)
            self._save()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1
        last = done == (self.params or {}).get("epochs")
        if (done % self.every == 0 or last) and done not in self._epochs():
            self._record(done)
            self._save()


class SampleMonitor(_EpochRecorder):
    """Images from fixed noise at the start of training and every ``every`` epochs.

    ``sample_fn()`` returns images in [0, 1], shape (N, H, W[, C]), from the SAME noise each
    call (draw the noise once, outside). ``.snapshots`` is a list of ``(epoch, images)``, epoch 0
    being the untrained model. With ``directory``, snapshots are saved there (npz) after each
    epoch and reloaded on construction, so they survive a resumed run. ``steps_per_epoch`` labels
    snapshots by training step instead of epoch.
    """

    def __init__(self, sample_fn: Callable[[], Any], every: int = 1, directory: str | Path | None = None,
                 steps_per_epoch: int | None = None) -> None:
        super().__init__(every, directory)
        self.sample_fn = sample_fn
        self.steps_per_epoch = steps_per_epoch
        self.snapshots: list[tuple[int, np.ndarray]] = []
        if self.directory is not None and (self.directory / SNAPSHOT_FILE).is_file():
            with np.load(self.directory / SNAPSHOT_FILE) as saved:
                self.snapshots = [(int(e), np.asarray(im)) for e, im in zip(saved["epochs"], saved["images"])]

    def _epochs(self) -> list[int]:
        return [epoch for epoch, _ in self.snapshots]

    def _truncate(self, epoch: int) -> None:
        self.snapshots = [(e, im) for e, im in self.snapshots if e < epoch]

    def _record(self, epoch: int) -> None:
        images = _as_images(self.sample_fn())
        if not np.all(np.isfinite(images)):  # a diverged model: nothing worth showing
            return
        if self.snapshots and images.shape != self.snapshots[0][1].shape:
            raise ValueError(f"sample_fn returned shape {images.shape}, earlier snapshots have "
                             f"{self.snapshots[0][1].shape}; use a new directory for a new sampler")
        self.snapshots.append((epoch, images))

    def _save(self) -> None:
        if self.directory is None or not self.snapshots:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        _atomic_save_npz(self.directory / SNAPSHOT_FILE, epochs=np.array(self._epochs()),
                         images=np.stack([im for _, im in self.snapshots]))

    # ------------------------------------------------------------------ views
    def label(self, epoch: int) -> str:
        """'epoch 3' or, with ``steps_per_epoch``, 'step 1,500'."""
        if self.steps_per_epoch:
            return f"step {epoch * self.steps_per_epoch:,}"
        return f"epoch {epoch}"

    def _require(self) -> None:
        if not self.snapshots:
            raise ValueError("no snapshots yet: pass the monitor to fit (callbacks=[monitor]) first")

    def frames(self, ncols: int | None = None) -> np.ndarray:
        """Each snapshot tiled into one image: (S, rows·H, cols·W[, C])."""
        from .plotting import tile

        self._require()
        return np.stack([tile(images, ncols, pad=1) for _, images in self.snapshots])

    def pick(self, count: int) -> list[int]:
        """Indices of ``count`` snapshots spread evenly from the first to the last."""
        self._require()
        n = len(self.snapshots)
        return sorted(set(np.linspace(0, n - 1, min(count, n)).round().astype(int).tolist()))

    def figure(self, ncols: int | None = None, panels: int = 5, size: float = 2.2):
        """A row of panels, each the fixed-noise samples at one stage of training."""
        import matplotlib.pyplot as plt

        chosen = self.pick(panels)
        frames = self.frames(ncols)
        fig, axes = plt.subplots(1, len(chosen), figsize=(size * len(chosen), size + 0.3), squeeze=False)
        for ax, index in zip(axes[0], chosen):
            frame = frames[index]
            ax.imshow(frame, cmap="gray" if frame.ndim == 2 else None, vmin=0.0, vmax=1.0,
                      interpolation="nearest")
            ax.set_title(self.label(self.snapshots[index][0]), fontsize=10)
            ax.axis("off")
        fig.tight_layout()
        return fig

    def slider(self, ncols: int | None = None, scale: int = 2):
        """A live ipywidgets slider over all snapshots (needs a kernel)."""
        from .widgets import frame_slider

        labels = [self.label(epoch) for epoch, _ in self.snapshots] if self.snapshots else None
        return frame_slider(self.frames(ncols), labels, description="snapshot", scale=scale)

    def static_explorer(self, title: str = "Drag to watch training", ncols: int | None = None,
                        max_frames: int = 40, pixel_size: int = 280):
        """The kernel-free twin of :meth:`slider` (``gm.StaticExplorer``), starting at the end."""
        from .widgets import StaticExplorer

        chosen = self.pick(max_frames)
        frames = self.frames(ncols)[chosen]
        labels = [self.label(self.snapshots[i][0]) for i in chosen]
        return StaticExplorer(frames, [("training", labels)], title=title, pixel_size=pixel_size,
                              start=[len(chosen) - 1])


class MetricMonitor(_EpochRecorder):
    """Numbers at stages of training: ``fn(model) -> {name: float}`` at epoch 0 and every ``every``.

    ``.rows`` is a list of ``(epoch, dict)``. With ``directory``, rows are saved there (JSON)
    after each epoch and reloaded on construction, so they survive a resumed run.
    """

    def __init__(self, fn: Callable[[keras.Model], Mapping[str, float]], every: int = 1,
                 directory: str | Path | None = None, steps_per_epoch: int | None = None) -> None:
        super().__init__(every, directory)
        self.fn = fn
        self.steps_per_epoch = steps_per_epoch
        self.rows: list[tuple[int, dict[str, float]]] = []
        if self.directory is not None and (self.directory / ROWS_FILE).is_file():
            saved = json.loads((self.directory / ROWS_FILE).read_text())
            self.rows = [(int(epoch), {k: float(v) for k, v in values.items()}) for epoch, values in saved]

    def _epochs(self) -> list[int]:
        return [epoch for epoch, _ in self.rows]

    def _truncate(self, epoch: int) -> None:
        self.rows = [(e, values) for e, values in self.rows if e < epoch]

    def _record(self, epoch: int) -> None:
        values = {str(k): float(v) for k, v in dict(self.fn(self.model)).items()}
        self.rows.append((epoch, values))

    def _save(self) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / (ROWS_FILE + ".tmp")
        tmp.write_text(json.dumps([[epoch, values] for epoch, values in self.rows]))
        os.replace(tmp, self.directory / ROWS_FILE)

    def label(self, epoch: int) -> str:
        if self.steps_per_epoch:
            return f"step {epoch * self.steps_per_epoch:,}"
        return f"epoch {epoch}"

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of one metric, skipping rows that lack it."""
        pairs = [(epoch, values[key]) for epoch, values in self.rows if key in values]
        if not pairs:
            raise KeyError(f"no recorded metric {key!r}; recorded: {sorted({k for _, v in self.rows for k in v})}")
        epochs, values = zip(*pairs)
        return np.array(epochs), np.array(values, dtype=np.float64)

    def plot(self, keys: Sequence[str] | None = None, title: str = "Metrics during training",
             logy: bool = False):
        """One line per metric against epochs (or steps with ``steps_per_epoch``)."""
        import matplotlib.pyplot as plt

        keys = list(keys or dict.fromkeys(k for _, values in self.rows for k in values))
        if not keys:
            raise ValueError("no metrics recorded yet: pass the monitor to fit (callbacks=[monitor]) first")
        fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 3.0), squeeze=False)
        scale = self.steps_per_epoch or 1
        for ax, key in zip(axes[0], keys):
            epochs, values = self.series(key)
            ax.plot(epochs * scale, values, marker="o", markersize=3)
            ax.set_title(key, fontsize=10)
            ax.set_xlabel("step" if self.steps_per_epoch else "epoch")
            if logy:
                ax.set_yscale("log")
            ax.grid(alpha=0.3)
        fig.suptitle(title)
        fig.tight_layout()
        return fig

    def markdown(self, keys: Sequence[str] | None = None, digits: int = 3) -> str:
        """The rows as a Markdown table (display with ``IPython.display.Markdown``)."""
        keys = list(keys or dict.fromkeys(k for _, values in self.rows for k in values))
        lines = ["| stage | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        for epoch, values in self.rows:
            cells = [f"{values[k]:.{digits}f}" if k in values and math.isfinite(values[k]) else "–"
                     for k in keys]
            lines.append(f"| {self.label(epoch)} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- weight averaging
def averaged_copy(model: keras.Model, name: str | None = None) -> keras.Model:
    """A frozen copy of ``model`` (same layers and current weights) to hold its moving average.

    Give it to the GAN as an attribute, so that its variables are model variables: then
    ``gm.fit_resumable`` checkpoints and restores the average with everything else.
    """
    if not model.built:
        raise ValueError(f"build {model.name} before copying it (call it on a batch or use model.build)")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.trainable = False
    if name is not None:
        copy.name = name
    return copy


def average_decay(decay: float, step: Any) -> Any:
    """The decay used at update ``step`` (t = 1, 2, ...): β_t = min(β, (1 + t) / (10 + t)).

    The warm-up (as in ``tf.train.ExponentialMovingAverage`` with ``num_updates``) keeps the
    randomly initialised weights from lingering in the average of a short run: early on the
    average follows the generator closely, later it spans about 1 / (1 − β) steps.
    """
    t = ops.cast(step, "float32")
    return ops.minimum(decay, (1.0 + t) / (10.0 + t))


def update_average(average: keras.Model, live: keras.Model, decay: float, step: Any) -> None:
    """θ̄ ← β_t θ̄ + (1 − β_t) θ for every variable (the EMA of Yazıcı et al. 2019; β_t: :func:`average_decay`).

    Call it in ``train_step`` after the generator's update, with ``step`` = the generator
    optimizer's ``iterations``. All variables are averaged, batch-norm moving statistics included,
    so the averaged network can be called in inference mode like the live one.
    """
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"decay must be in [0, 1), got {decay}; 0.999 averages over about 1,000 steps")
    if len(average.variables) != len(live.variables):
        raise ValueError(f"{average.name} has {len(average.variables)} variables, {live.name} "
                         f"{len(live.variables)}: make the average with averaged_copy({live.name})")
    beta = average_decay(decay, step)
    for mean, value in zip(average.variables, live.variables):
        if not mean.dtype.startswith("float"):
            continue
        mean.assign(beta * mean + (1.0 - beta) * ops.cast(value, mean.dtype))
