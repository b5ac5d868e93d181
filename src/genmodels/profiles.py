"""Run profiles: one environment variable scales every notebook without changing its code.

``GENMODELS_PROFILE`` is ``quick`` (CI, about a minute per notebook on a 2-core CPU),
``standard`` (a CPU laptop, a few minutes; the outputs the site shows) or ``full`` (the
chapter's own settings, meant for a GPU). Unset, it is ``full`` where TensorFlow sees a GPU and
``standard`` otherwise.

Every chapter's settings live in :data:`SETTINGS`, one small table per chapter, so that a reader
can see at a glance what each profile means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

PROFILES: tuple[str, ...] = ("quick", "standard", "full")
ENV_VAR = "GENMODELS_PROFILE"
DEFAULT_SEED = 42

# One table per chapter: {setting: (quick, standard, full)}. ``full`` is the source chapter's
# setting wherever the chapter gives one.
SETTINGS: dict[str, dict[str, tuple[Any, Any, Any]]] = {
    "autoencoders_vae": {
        "ae_epochs": (3, 10, 30),
        "ae_code_dim": (32, 32, 32),
        "dae_epochs": (3, 10, 30),
        "noise_fraction": (0.1, 0.1, 0.1),
        "vae_epochs": (10, 50, 50),
        "batch_size": (128, 128, 128),
        "latent_dim": (2, 2, 2),
        "intermediate_dim": (512, 512, 512),
        "elbo_samples": (10, 10, 10),
        "wide_latent_dim": (10, 10, 10),
        "wide_epochs": (3, 20, 50),
    },
    "gan_theory": {
        # Toy problems (1-D mixture, 2-D ring): no setting comes from the source chapter, so
        # `full` simply trains longer and on more samples.
        "batch_size": (256, 256, 256),
        "dstar_samples": (4000, 20000, 50000),
        "dstar_epochs": (8, 15, 30),
        "k": (1, 1, 1),
        "toy_lr": (2e-3, 2e-3, 1e-3),
        "toy_steps": (1500, 3000, 10000),
        "toy_chunk": (100, 150, 500),
        "osc_steps": (2000, 3000, 5000),
        "osc_chunk": (10, 10, 10),
        "osc_sgd_lr": (0.1, 0.1, 0.1),
        "osc_adam_lr": (0.05, 0.05, 0.05),
        "vg_samples": (4000, 10000, 20000),
        "vg_epochs": (15, 20, 40),
        "ring_std": (0.05, 0.05, 0.05),
        "ring_width": (64, 64, 128),
        "ring_batch": (256, 256, 512),
        "ring_d_lr": (2e-4, 2e-4, 2e-4),
        "ring_g_lr": (2e-3, 2e-3, 2e-3),
        "ring_steps": (1200, 2000, 10000),
        "ring_chunk": (100, 100, 250),
        "ring_eval": (2000, 2000, 5000),
        "ring_seeds": (1, 3, 3),
        "min_share": (0.02, 0.02, 0.02),
    },
    "dcgan": {
        "batch_size": (32, 32, 100),
        "steps": (100, 3_500, 50_000),
        "steps_per_chunk": (25, 500, 1_000),  # per checkpoint and monitor measurement
        "n_eval": (300, 1_000, 5_000),  # samples behind each Fréchet distance / coverage
    },
    "cgan": {
        "steps": (1000, 10_000, 50_000),
        "steps_per_chunk": (500, 1000, 1000),
        "n_eval": (1000, 5000, 10_000),  # samples behind the final measurements (¹⁄₁₀ per digit)
    },
    "wgan": {
        "latent_dim": (100, 100, 100),
        "batch_size": (64, 64, 100),
        "n_critic": (5, 5, 5),
        "clip_value": (0.01, 0.01, 0.01),
        "wgan_lr": (5e-4, 5e-4, 5e-5),
        "gp_weight": (10.0, 10.0, 10.0),
        "gp_lr": (1e-4, 1e-4, 1e-4),
        "steps": (200, 1500, 40000),
        "chunk_steps": (100, 150, 1000),
        "fd_samples": (500, 2000, 2000),
        "toy_steps": (300, 600, 1000),
    },
    "cyclegan": {
        # quick/standard: the offline digit pair at 32 px on a CPU; full: facades at 256 px (GPU).
        "dataset": ("digits", "digits", "facades"),
        "image_size": (32, 32, 256),
        "gf": (16, 16, 32),  # generator width; the chapter's 32, halved on a CPU
        "df": (32, 32, 64),  # discriminator width
        "batch_size": (4, 4, 1),  # the paper's batch 1 is too slow on a CPU
        "epochs": (3, 6, 200),  # chunks of steps_per_epoch steps
        "steps_per_epoch": (40, 50, 400),  # full: one pass over the 400 facades
        "lambda_cycle": (10.0, 10.0, 10.0),
        "lambda_identity": (1.0, 1.0, 1.0),  # 0.1 * lambda_cycle, as in the chapter
        "learning_rate": (2e-4, 2e-4, 2e-4),
        "beta_1": (0.5, 0.5, 0.5),
        "pool_size": (50, 50, 50),  # history buffer of generated images
        "decay_start": (1.0, 1.0, 0.5),  # fraction of training after which the lr decays linearly to 0
        "n_eval": (256, 1000, 2000),  # test pairs used to measure the translation error
    },
    "style_transfer": {
        "image_side": (80, 128, 512),            # longer side of content/result images (px)
        "iterations": (40, 60, 1000),            # Adam steps / L-BFGS evaluations per Gatys run
        "sweep_iterations": (20, 30, 500),       # per style weight of the slider
        "layer_side": (48, 48, 256),             # single-layer reconstructions
        "layer_iterations": (20, 30, 400),
        "ffn_filters": (16, 16, 32),             # Johnson et al.: 32
        "ffn_res_blocks": (2, 3, 5),             # Johnson et al.: 5
        "ffn_crop": (64, 96, 256),               # training crops (px); Johnson et al.: 256
        "ffn_batch": (2, 2, 4),                  # Johnson et al.: 4
        "ffn_crops": (64, 600, 20000),           # distinct training crops (full: a larger photo set)
        "ffn_steps": (40, 1000, 40000),          # Johnson et al.: 40,000
        "ffn_chunk": (20, 100, 1000),            # steps per checkpoint
    },
}


class ProfileError(ValueError):
    """An unknown profile or chapter name."""


def gpu_available() -> bool:
    """True when TensorFlow sees at least one GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def current_profile() -> str:
    """The active profile: ``$GENMODELS_PROFILE`` if set, else ``full`` on a GPU, else ``standard``."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if not value:
        return "full" if gpu_available() else "standard"
    if value not in PROFILES:
        raise ProfileError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a profile; use one of "
            f"{', '.join(PROFILES)} (or unset it for the default: full on a GPU, standard on a CPU)."
        )
    return value


def settings(chapter: str, profile: str | None = None) -> Mapping[str, Any]:
    """The settings of ``chapter`` in ``profile`` (default: :func:`current_profile`), read-only."""
    if chapter not in SETTINGS:
        raise ProfileError(f"no settings for chapter {chapter!r}; known: {', '.join(SETTINGS)}")
    profile = profile or current_profile()
    if profile not in PROFILES:
        raise ProfileError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    column = PROFILES.index(profile)
    return MappingProxyType({key: row[column] for key, row in SETTINGS[chapter].items()})


def settings_table(chapter: str) -> str:
    """The chapter's settings as a Markdown table, one column per profile."""
    from .report import markdown_table

    rows = [[f"`{key}`", *values] for key, values in SETTINGS[chapter].items()]
    return markdown_table(["setting", *PROFILES], rows).data


def device_name() -> str:
    """``GPU (name)`` or ``CPU (n cores)``, for the banner."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"GPU ({gpus[0].name})"
    return f"CPU ({os.cpu_count()} cores)"


def banner(chapter: str, data_source: str, seed: int) -> str:
    """Print and return the one-line run banner: chapter, profile, data source, device, seed."""
    line = (f"{chapter} · profile: {current_profile()} · data: {data_source} · "
            f"device: {device_name()} · seed: {seed}")
    print(line)
    return line
