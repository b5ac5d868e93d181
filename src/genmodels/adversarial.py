"""Watching adversarial training: samples from fixed noise and metrics, recorded as training runs.

:class:`SampleMonitor` draws images from the *same* noise before training and after every few
chunks of ``gm.fit_resumable``, so the reader sees one set of digits take shape.
:class:`MetricMonitor` records numbers such as the Fréchet distance at the same moments. Records
are keyed by training step (0 = untrained). ``gm.fit_resumable`` saves them inside the run's
checkpoint and restores them with it, so a resumed or finished run shows its own records.

:func:`averaged_copy` and :func:`update_average` keep an exponential moving average of a
generator's weights inside a ``train_step`` (Yazıcı et al. 2019): a GAN's generator keeps
circling its opponent, and the average of its recent weights is usually a better generator than
the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np
from keras import ops

from .data import check_range


def _as_images(images: Any) -> np.ndarray:
    """``sample_fn``'s output as float32 (N, H, W[, C]) in [0, 1]; a clear error otherwise.

    Non-finite images (a diverged model) pass through unchanged: the monitor skips them.
    """
    array = np.asarray(images, dtype=np.float32)
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] not in (1, 3)):
        raise ValueError(f"sample_fn must return images of shape (N, H, W) or (N, H, W, 1|3); got {array.shape}")
    if not np.all(np.isfinite(array)):
        return array
    return check_range(array, 0.0, 1.0, "sample_fn's images", error=ValueError)


class _StepRecorder(keras.callbacks.Callback):
    """Shared logic: record when a run starts, then every ``every`` chunks; records keyed by step.

    When a run (re)starts at step s, records from step s on are dropped and step s is recorded
    again, so a resumed or restarted run never mixes a stale future into its record. The number
    of steps per chunk comes from ``fit``'s own parameters.
    """

    def __init__(self, every: int = 1) -> None:
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"every must be a positive number of chunks; got {every}")
        self.every = int(every)
        self.steps_per_chunk = 1
        self._started = False

    # subclasses implement these
    def _steps(self) -> list[int]:
        raise NotImplementedError

    def _truncate(self, step: int) -> None:
        raise NotImplementedError

    def _record(self, step: int) -> None:
        raise NotImplementedError

    def state(self) -> tuple[dict[str, np.ndarray], Any]:
        """``(arrays, json_record)`` to store in a checkpoint."""
        raise NotImplementedError

    def restore(self, arrays: Mapping[str, np.ndarray], record: Any) -> None:
        """Take back what :meth:`state` gave (``record`` None: start empty)."""
        raise NotImplementedError

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = False
        self.steps_per_chunk = int((self.params or {}).get("steps") or 1)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._started:
            self._started = True
            self._truncate(epoch * self.steps_per_chunk)
            self._record(epoch * self.steps_per_chunk)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1
        last = done == (self.params or {}).get("epochs")
        step = done * self.steps_per_chunk
        if (done % self.every == 0 or last) and step not in self._steps():
            self._record(step)

    @staticmethod
    def label(step: int) -> str:
        """'step 1,500'."""
        return f"step {step:,}"


class SampleMonitor(_StepRecorder):
    """Images from fixed noise before training and every ``every`` chunks.

    ``sample_fn()`` returns images in [0, 1], shape (N, H, W[, C]), from the SAME noise each
    call (draw the noise once, outside). ``.snapshots`` is a list of ``(step, images)``, step 0
    being the untrained model. Pass it to ``gm.fit_resumable(..., monitors=[...])``. Used by
    chapters 02-05.
    """

    def __init__(self, sample_fn: Callable[[], Any], every: int = 1) -> None:
        super().__init__(every)
        self.sample_fn = sample_fn
        self.snapshots: list[tuple[int, np.ndarray]] = []

    def _steps(self) -> list[int]:
        return [step for step, _ in self.snapshots]

    def _truncate(self, step: int) -> None:
        self.snapshots = [(s, im) for s, im in self.snapshots if s < step]

    def _record(self, step: int) -> None:
        images = _as_images(self.sample_fn())
        if not np.all(np.isfinite(images)):  # a diverged model: nothing worth showing
            return
        if self.snapshots and images.shape != self.snapshots[0][1].shape:
            raise ValueError(f"sample_fn returned shape {images.shape}, earlier snapshots have "
                             f"{self.snapshots[0][1].shape}; use a new monitor for a new sampler")
        self.snapshots.append((step, images))

    def state(self) -> tuple[dict[str, np.ndarray], Any]:
        if not self.snapshots:
            return {}, {"steps": []}
        return {"images": np.stack([im for _, im in self.snapshots])}, {"steps": self._steps()}

    def restore(self, arrays: Mapping[str, np.ndarray], record: Any) -> None:
        steps = (record or {}).get("steps", [])
        images = arrays.get("images")
        if steps and (images is None or len(images) != len(steps)):
            raise ValueError("the checkpoint's sample snapshots do not match their steps")
        self.snapshots = [(int(s), np.asarray(im)) for s, im in zip(steps, images if steps else [])]

    # ------------------------------------------------------------------ views
    def _require(self) -> None:
        if not self.snapshots:
            raise ValueError("no snapshots yet: pass the monitor to gm.fit_resumable(monitors=[...]) first")

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

        labels = [self.label(step) for step, _ in self.snapshots] if self.snapshots else None
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


class MetricMonitor(_StepRecorder):
    """Numbers at stages of training: ``fn(model) -> {name: float}`` at the start and every ``every`` chunks.

    ``.rows`` is a list of ``(step, dict)``; :meth:`series` gives one metric's steps and values.
    Pass it to ``gm.fit_resumable(..., monitors=[...])``. Used by chapters 02-05.
    """

    def __init__(self, fn: Callable[[keras.Model], Mapping[str, float]], every: int = 1) -> None:
        super().__init__(every)
        self.fn = fn
        self.rows: list[tuple[int, dict[str, float]]] = []

    def _steps(self) -> list[int]:
        return [step for step, _ in self.rows]

    def _truncate(self, step: int) -> None:
        self.rows = [(s, values) for s, values in self.rows if s < step]

    def _record(self, step: int) -> None:
        values = {str(k): float(v) for k, v in dict(self.fn(self.model)).items()}
        self.rows.append((step, values))

    def state(self) -> tuple[dict[str, np.ndarray], Any]:
        # Non-finite values survive JSON as strings.
        return {}, [[step, {k: v if np.isfinite(v) else repr(v) for k, v in values.items()}]
                    for step, values in self.rows]

    def restore(self, arrays: Mapping[str, np.ndarray], record: Any) -> None:
        self.rows = [(int(step), {k: float(v) for k, v in values.items()}) for step, values in (record or [])]

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one metric, skipping rows that lack it."""
        pairs = [(step, values[key]) for step, values in self.rows if key in values]
        if not pairs:
            raise KeyError(f"no recorded metric {key!r}; recorded: {sorted({k for _, v in self.rows for k in v})}")
        steps, values = zip(*pairs)
        return np.array(steps), np.array(values, dtype=np.float64)


# ----------------------------------------------------------------------------- weight averaging
def averaged_copy(model: keras.Model, name: str | None = None) -> keras.Model:
    """A frozen copy of ``model`` (same layers and current weights) to hold its moving average.

    Give it to the GAN as an attribute, so that its variables are model variables: then
    ``gm.fit_resumable`` checkpoints and restores the average with everything else.
    Used by chapter 04.
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
    Used by chapter 04.
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
