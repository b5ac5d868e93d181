"""genmodels: the helper package of the executable textbook *Generative Models*.

The notebooks hold the ideas (models, losses, ``train_step``s); this package holds the plumbing
that would distract from them: profiles, data, plots, explorers, resumable training, metrics.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the notebooks

from ._quiet import import_tensorflow as _import_tensorflow

_import_tensorflow()  # the rest of TensorFlow's start-up lines come through Abseil; filter those too

from .adversarial import MetricMonitor, SampleMonitor
from .exercises import Verdict, check, solved
from .data import (
                   ChecksumError,
                   DataError,
                   DownloadError,
                   Mnist,
                   from_signed,
                   load_mnist,
                   load_offline_mnist,
                   offline_requested,
                   to_signed,
                   to_unit,
)
from .plotting import image_grid, latent_scatter, manifold_grid, plot_history, tile
from .profiles import DEFAULT_SEED, PROFILES, ProfileError, banner, current_profile, settings, settings_table
from .report import glue, markdown_table
from .training import (
                   CheckpointError,
                   CheckpointMismatchError,
                   TrainingDivergedError,
                   fit_resumable,
                   set_seed,
                   setup,
)
from .widgets import StaticExplorer, frame_slider, latent_sliders, static_latent_explorer

__version__ = "0.1.0"

__all__ = [
                   "DEFAULT_SEED",
                   "PROFILES",
                   "CheckpointError",
                   "CheckpointMismatchError",
                   "ChecksumError",
                   "DataError",
                   "DownloadError",
                   "MetricMonitor",
                   "Mnist",
                   "ProfileError",
                   "SampleMonitor",
                   "StaticExplorer",
                   "TrainingDivergedError",
                   "Verdict",
                   "banner",
                   "check",
                   "current_profile",
                   "fit_resumable",
                   "frame_slider",
                   "from_signed",
                   "glue",
                   "image_grid",
                   "latent_scatter",
                   "latent_sliders",
                   "load_mnist",
                   "load_offline_mnist",
                   "manifold_grid",
                   "markdown_table",
                   "offline_requested",
                   "plot_history",
                   "set_seed",
                   "settings",
                   "settings_table",
                   "setup",
                   "solved",
                   "static_latent_explorer",
                   "tile",
                   "to_signed",
                   "to_unit",
]
