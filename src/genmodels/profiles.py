"""Run profiles: one environment variable scales every notebook without changing its code.

``GENMODELS_PROFILE`` is ``quick`` (CI, about a minute per notebook on a 2-core CPU),
``standard`` (a CPU laptop, a few minutes; the outputs the site shows), ``gpu`` (a Colab GPU
session: at most about 30 minutes per chapter on a T4, by the estimate below) or ``full`` (the
source chapter's own settings, up to hours on a GPU). Unset, it is ``gpu`` where TensorFlow sees a
GPU and ``standard`` otherwise.

Every chapter's settings live in :data:`SETTINGS`, one small table per chapter, so that a reader
can see at a glance what each profile means; :func:`settings_table` shows it with each profile's
estimated time on a Colab T4 (:func:`estimate_minutes`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

PROFILES: tuple[str, ...] = ("quick", "standard", "gpu", "full")
ENV_VAR = "GENMODELS_PROFILE"
DEFAULT_SEED = 42

# One table per chapter: {setting: (quick, standard, gpu, full)}. ``full`` is the source chapter's
# setting wherever the chapter gives one; ``gpu`` is ``full`` scaled down (mostly in steps) until
# the chapter's estimate on a Colab T4 is at most about 30 minutes.
# (The blocks "dcgan", "wgan" and "cyclegan" still have three columns (quick, standard, full): their
# gpu column is in GPU_COLUMN below, merged in at import; see there.)
SETTINGS: dict[str, dict[str, tuple[Any, ...]]] = {
    "autoencoders_vae": {
        "ae_epochs": (3, 10, 30, 30),
        "dae_epochs": (3, 10, 30, 30),
        "vae_epochs": (10, 50, 50, 50),
        "wide_epochs": (3, 20, 50, 50),
    },
    "gan_theory": {
        # Toy problems (1-D mixture, 2-D ring): no setting comes from the source chapter, so
        # `full` simply trains longer and on more samples.
        "dstar_samples": (4000, 20000, 50000, 50000),
        "dstar_epochs": (8, 15, 30, 30),
        "toy_steps": (1500, 3000, 10000, 10000),
        "toy_steps_per_chunk": (100, 150, 500, 500),
        "osc_steps": (2000, 3000, 5000, 5000),
        "vg_samples": (4000, 10000, 20000, 20000),
        "vg_epochs": (15, 20, 40, 40),
        "ring_steps": (1500, 2000, 10000, 10000),
        "ring_steps_per_chunk": (100, 100, 250, 250),
        "ring_n_eval": (2000, 2000, 5000, 5000),
        "ring_seeds": (1, 3, 3, 3),
    },
    "dcgan": {
        "batch_size": (32, 32, 100),
        "steps": (100, 12_000, 50_000),
        "steps_per_chunk": (25, 1_000, 1_000),  # per checkpoint and monitor measurement
        # Adam's rate for both players: the chapter's 2e-4 in full. In 2,000-step probes (batch 32,
        # averaged G, 1,000 samples) 2e-4 reached FD 18.8 and 53 % confident, 5e-4 13.7 and 59 %,
        # 1e-3 13.3 and 58 % (D at 2e-3 with G at 5e-4: 14.8 and 56 %).
        "learning_rate": (5e-4, 5e-4, 2e-4),
        # D's dropout, the chapter's 0.3 everywhere. Without it the probe was ahead at 2,000 steps
        # (FD 9.7, 61 %), but over 12,000 steps D slowly won: its loss fell from 1.31 to 0.91, the
        # FD was lowest at step 5,000 (6.0) and rose to 11.9, the class entropy fell, and the
        # confident share stalled near 71 %. With 0.3 the loss stayed near 1.25.
        "dropout": (0.3, 0.3, 0.3),
        "n_eval": (300, 1_000, 5_000),  # samples behind each Fréchet distance / coverage
    },
    "cgan": {
        "steps": (1000, 10_000, 50_000, 50_000),
        "steps_per_chunk": (500, 1000, 1000, 1000),
        "n_eval": (1000, 5000, 10_000, 10_000),  # samples behind the final measurements (¹⁄₁₀ per digit)
    },
    "wgan": {
        "batch_size": (64, 64, 100),  # the chapter's 100 in full
        # RMSprop's rate for weight clipping: the paper's 5e-5 needs the full run's 40,000 steps
        "clip_learning_rate": (5e-4, 5e-4, 5e-5),
        # Adam's rate for WGAN-GP, raised tenfold likewise: at the paper's 1e-4 the MLPs were
        # at FD 49 after 1,500 steps (29 at 5e-4, 19 at 1e-3) and near 38 after 4,500
        "gp_learning_rate": (1e-3, 1e-3, 1e-4),
        "steps": (200, 4000, 40000),  # generator steps, for each of the two models
        "steps_per_chunk": (100, 400, 1000),
        "n_eval": (500, 2000, 2000),  # samples for each Fréchet distance
        "toy_steps": (300, 600, 1000),  # the 1-D discriminator and critic of section 2
    },
    "cyclegan": {
        # quick/standard: the offline digit pair at 32 px on a CPU; full: facades at 256 px (GPU).
        "dataset": ("digits", "digits", "facades"),
        "image_size": (32, 32, 256),
        "gf": (16, 16, 32),  # generator width; the chapter's 32, halved on a CPU
        "df": (32, 32, 64),  # discriminator width
        "batch_size": (4, 4, 1),  # the paper's batch 1 is too slow on a CPU
        "steps": (120, 300, 80000),  # full: 200 passes over the 400 facades
        "steps_per_chunk": (40, 50, 400),
        "decay_start": (1.0, 1.0, 0.5),  # fraction of training after which the lr decays to 0
        "n_eval": (256, 1000, 2000),  # test pairs used to measure the translation error
        # UCI scans (sklearn's load_digits) ↔ MNIST, always at 32 px
        "uci_steps": (60, 1200, 10000),
        "uci_steps_per_chunk": (30, 100, 500),
    },
    "style_transfer": {
        "image_size": (80, 128, 512, 512),  # longer side of the optimiser comparison (px)
        "evaluations": (40, 60, 300, 1000),  # loss evaluations per optimisation run
        "sweep_evaluations": (20, 30, 150, 500),  # per style weight of the slider
        "showcase_size": (96, 256, 512, 512),  # the larger Gatys picture (px)
        "showcase_evaluations": (20, 150, 1000, 1000),
        "layer_size": (48, 96, 256, 256),  # single-layer reconstructions (px)
        "layer_evaluations": (20, 100, 200, 400),
        "ffn_filters": (16, 16, 32, 32),  # Johnson et al.: 32
        "ffn_res_blocks": (2, 3, 5, 5),  # Johnson et al.: 5
        "ffn_image_size": (64, 96, 256, 256),  # training crops (px); Johnson et al.: 256
        "ffn_batch_size": (2, 2, 4, 4),  # Johnson et al.: 4
        "ffn_crops": (64, 600, 2000, 20000),  # distinct training crops (full: a larger photo set)
        "ffn_steps": (40, 1000, 4000, 40000),  # Johnson et al.: 40,000
        "ffn_steps_per_chunk": (20, 100, 500, 1000),
    },
}


# The gpu column of the three chapters whose blocks above still have three columns (quick,
# standard, full), {chapter: {setting: gpu value}}; a setting not named here runs as in `full`.
# When a block gets its four columns, move its values into it and delete its entry here.
GPU_COLUMN: dict[str, dict[str, Any]] = {
    "dcgan": {},  # the chapter's 50,000 steps of 100 fit (estimated 24 minutes)
    "wgan": {},  # the chapter's 40,000 generator steps fit (estimated 20 minutes)
    "cyclegan": {"steps": 20_000},  # 50 of the chapter's 200 passes over the 400 facades (256 px)
}


def _with_gpu_column(settings_: dict[str, dict[str, tuple[Any, ...]]]) -> None:
    """Give every three-column block its gpu column (from GPU_COLUMN, else the full value)."""
    for chapter, block in settings_.items():
        gpu = GPU_COLUMN.get(chapter, {})
        for key, values in block.items():
            if len(values) == 3:
                quick, standard, full = values
                block[key] = (quick, standard, gpu.get(key, full), full)


_with_gpu_column(SETTINGS)


# ----------------------------------------------------------------------------- time estimates
# Floating-point operations of ONE forward pass of ONE example through each network the chapters
# train (a multiply-add counts 2), counted by TensorFlow's profiler on the networks built from
# the notebooks' own code by `python scripts/count_flops.py` (27 November 2026). The
# convolutional networks of cyclegan and style_transfer are counted at 256 × 256 px and scaled
# with the number of pixels. tests/test_profiles.py recounts chapter 03.
FORWARD_FLOPS: dict[str, dict[str, int]] = {
    "autoencoders_vae": {
        "autoencoder": 836_912,
        "vae": 1_613_588,
        "wide_vae": 1_638_180,
    },
    "gan_theory": {
        "mlp_1d": 2_241,
        "ring_generator": 37_634,
        "ring_discriminator": 33_793,
    },
    "dcgan": {
        "generator": 102_724_752,
        "discriminator": 20_728_961,
    },
    "cgan": {
        "generator_multiply": 1_155_794,
        "discriminator_multiply": 468_371,
        "generator_concat": 1_158_288,
        "discriminator_concat": 472_705,
    },
    "wgan": {
        "generator": 1_117_712,
        "critic": 1_066_241,
    },
    "cyclegan": {
        "generator_gf16": 1_776_847_272,
        "generator_gf32": 6_640_505_672,
        "discriminator_df32": 861_474_112,
        "discriminator_df64": 3_333_560_704,
    },
    "style_transfer": {
        "vgg19_gatys": 47_363_784_704,
        "vgg19_johnson": 41_322_807_296,
        "transformer_f16_r2": 3_770_223_460,
        "transformer_f16_r3": 4_378_136_292,
        "transformer_f32_r5": 20_246_244_292,
    },
}
FLOPS_REFERENCE_SIDE = 256  # px, of the convolutional counts above

# The assumed Colab T4. Its fp32 peak is 8.1 TFLOP/s (2,560 CUDA cores × 2 × 1.59 GHz boost);
# under Colab's 70 W cap it clocks lower, and small convolutions in fp32 Keras/TensorFlow with
# batches of 1–100 keep only a fraction of it busy: we assume 2.5 TFLOP/s sustained (about 30 %
# of the peak). Small networks (MLPs on MNIST, toy GANs) are bound by launching kernels instead,
# so every parameter update also costs a fixed time (a step's graph is a few hundred small
# kernels of 5–10 µs each), every loss evaluation of SciPy's L-BFGS a round trip through the
# host, and every chapter a fixed minute (start-up, data, evaluations, figures).
T4_PEAK_FLOPS = 8.1e12
SUSTAINED_FLOPS = 2.5e12
SECONDS_PER_UPDATE = 0.002
SECONDS_PER_EVALUATION = 0.010
FIXED_MINUTES = 1.0
MNIST_TRAIN, MNIST_TEST = 60_000, 10_000  # Colab has internet: the full MNIST
STYLE_ASPECT = 2 / 3  # the content photos' shorter side / longer side (china.jpg is 640 × 427)

# Forward + backward ≈ 3 forward passes for a network whose weights get gradients, 2 for one
# that only passes a gradient back to its input (a frozen network, the other player of a GAN),
# 1 for a pass outside any gradient.
TRAIN, THROUGH, FORWARD = 3, 2, 1


def _work_autoencoders_vae(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    batch = 128  # the notebook's batch size
    train_steps, test_steps = math.ceil(MNIST_TRAIN / batch), math.ceil(MNIST_TEST / batch)
    work = []
    for epochs, net, validated in (("ae_epochs", "autoencoder", False),
                                   ("dae_epochs", "autoencoder", False),
                                   ("vae_epochs", "vae", True), ("wide_epochs", "wide_vae", True)):
        work.append((s[epochs] * train_steps, TRAIN * batch * f[net], 1))
        if validated:  # validation_data: one forward pass over the test set per epoch
            work.append((s[epochs] * test_steps, FORWARD * batch * f[net], 1))
    return work


def _work_gan_theory(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    m, mlp = 256, f["mlp_1d"]  # the notebook's minibatch, for every toy run
    g, d = f["ring_generator"], f["ring_discriminator"]

    def gan_step(k: int, g: int, d: int) -> float:  # k D updates (on m real + m fake), 1 G update
        return m * (k * (FORWARD * g + 2 * TRAIN * d) + TRAIN * g + THROUGH * d)

    def epochs(samples: int, n: int) -> float:
        return math.ceil(2 * samples / m) * n

    work = [(epochs(s["dstar_samples"], s["dstar_epochs"]), TRAIN * m * mlp, 1),
            (s["toy_steps"], gan_step(1, mlp, mlp), 2),
            (2 * s["osc_steps"], 0.0, 2),  # two one-parameter GANs
            (epochs(s["vg_samples"], s["vg_epochs"]), TRAIN * m * mlp, 1)]
    for k in (1, 5):  # the ring, k = 1 and k = 5, at each seed
        work.append((s["ring_seeds"] * s["ring_steps"], gan_step(k, g, d), k + 1))
    return work


def _work_dcgan(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    g, d, b = f["generator"], f["discriminator"], s["batch_size"]
    # D update: G makes b fakes, D trains on b real + b fake; G update: G trains through D.
    return [(s["steps"], b * (FORWARD * g + 2 * TRAIN * d + TRAIN * g + THROUGH * d), 2)]


def _work_cgan(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    b = 64  # the notebook's batch size
    work = []
    for condition in ("multiply", "concat"):  # the chapter's model and the concatenation variant
        g, d = f[f"generator_{condition}"], f[f"discriminator_{condition}"]
        work.append((s["steps"], b * (FORWARD * g + 2 * TRAIN * d + TRAIN * g + THROUGH * d), 2))
    return work


def _work_wgan(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    g, c, b, n_critic = f["generator"], f["critic"], s["batch_size"], 5
    critic_update = FORWARD * g + 2 * TRAIN * c
    generator_update = TRAIN * g + THROUGH * c
    penalty = 2 * TRAIN * c  # the gradient penalty: a gradient of a gradient on b interpolates
    toy = 2 * 1024 * TRAIN * 2 * 1_000  # two tiny 1-D networks on 1,024 points (≈ 1 kFLOP each)
    return [(s["steps"], b * (n_critic * critic_update + generator_update), n_critic + 1),  # clip
            (s["steps"], b * (n_critic * (critic_update + penalty) + generator_update), n_critic + 1),
            (s["toy_steps"], toy, 2)]


def _work_cyclegan(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    def per_image(side: int) -> float:
        area = (side / FLOPS_REFERENCE_SIDE) ** 2
        g, d = f[f"generator_gf{s['gf']}"] * area, f[f"discriminator_df{s['df']}"] * area
        # G and F each run three times (translate, cycle back, identity) and train; the two
        # discriminators judge the two fakes (generator update) and train on 2 real + 2 fake batches.
        return 6 * TRAIN * g + 2 * THROUGH * d + 4 * TRAIN * d

    # the offline digit pair is drawn at 32 px whatever image_size says
    side = 32 if s["dataset"] == "digits" else s["image_size"]
    steps = s["steps"] if "steps" in s else s["epochs"] * s["steps_per_epoch"]
    # the UCI ↔ MNIST run trains the same networks on 32 px digits in every profile
    return [(steps, s["batch_size"] * per_image(side), 2),
            (s["uci_steps"], s["batch_size"] * per_image(32), 2)]


def _work_style_transfer(s: Mapping[str, Any], f: Mapping[str, int]) -> list[tuple[float, float, int]]:
    def pixels(side: int, aspect: float = STYLE_ASPECT) -> float:
        return side * side * aspect / FLOPS_REFERENCE_SIDE**2

    def gatys(side: int) -> float:  # one loss evaluation: VGG19 forward + gradient to the pixels
        return THROUGH * f["vgg19_gatys"] * pixels(side)

    evaluations = [
        (4 * s["evaluations"], gatys(s["image_size"])),  # Adam and L-BFGS, from noise and photo
        (5 * s["sweep_evaluations"], gatys(s["image_size"])),  # the five style weights
        (s["sweep_evaluations"], gatys(s["image_size"])),  # the reader's own photo
        (s["showcase_evaluations"], gatys(s["showcase_size"])),
        (10 * s["layer_evaluations"], gatys(s["layer_size"])),  # five layers × content, style
    ]
    work = [(n, flops, 0) for n, flops in evaluations]
    net = f[f"transformer_f{s['ffn_filters']}_r{s['ffn_res_blocks']}"]
    crop = pixels(s["ffn_image_size"], 1.0)
    # the network trains; VGG (frozen) sees the stylised crops (gradient) and the photos.
    step = s["ffn_batch_size"] * crop * (TRAIN * net + (THROUGH + FORWARD) * f["vgg19_johnson"])
    work.append((s["ffn_steps"], step, 1))
    return work


WORK: dict[str, Callable[[Mapping[str, Any], Mapping[str, int]], list[tuple[float, float, int]]]] = {
    "autoencoders_vae": _work_autoencoders_vae, "gan_theory": _work_gan_theory,
    "dcgan": _work_dcgan, "cgan": _work_cgan, "wgan": _work_wgan, "cyclegan": _work_cyclegan,
    "style_transfer": _work_style_transfer,
}


def estimate_minutes(chapter: str, profile: str) -> float:
    """Estimated minutes of ``chapter`` in ``profile`` on a Colab T4 GPU, from counted operations.

    Each training (or optimisation) of the chapter is a number of steps, each with a number of
    floating-point operations (:data:`FORWARD_FLOPS` × the passes a step makes) and of parameter
    updates (or L-BFGS loss evaluations); a step takes its operations at
    :data:`SUSTAINED_FLOPS` plus :data:`SECONDS_PER_UPDATE` per update (or
    :data:`SECONDS_PER_EVALUATION`); the chapter adds :data:`FIXED_MINUTES`. An estimate, not a
    measurement: a real run may differ by a factor of two either way.
    """
    cfg = settings(chapter, profile)
    seconds = 0.0
    for steps, flops, updates in WORK[chapter](cfg, FORWARD_FLOPS[chapter]):
        overhead = updates * SECONDS_PER_UPDATE if updates else SECONDS_PER_EVALUATION
        seconds += steps * (flops / SUSTAINED_FLOPS + overhead)
    return FIXED_MINUTES + seconds / 60


ESTIMATE_ROW = "estimated minutes on a Colab T4"
ESTIMATE_NOTE = (
    f"Estimated from counted floating-point operations at {SUSTAINED_FLOPS / 1e12:g} TFLOP/s "
    f"sustained (about {SUSTAINED_FLOPS / T4_PEAK_FLOPS:.0%} of a T4's fp32 peak) plus "
    f"{SECONDS_PER_UPDATE * 1000:g} ms per parameter update: a guide, not a measurement."
)


def _minutes(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


class ProfileError(ValueError):
    """An unknown profile or chapter name."""


def gpu_available() -> bool:
    """True when TensorFlow sees at least one GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def current_profile() -> str:
    """The active profile: ``$GENMODELS_PROFILE`` if set, else ``gpu`` on a GPU, else ``standard``.

    ``gpu`` fits a Colab session (at most about 30 minutes per chapter on a T4, estimated); the
    source chapter's own settings stay available as ``full``, and every notebook's settings table
    shows each profile's estimated time before anything trains.
    Used by every chapter.
    """
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if not value:
        return "gpu" if gpu_available() else "standard"
    if value not in PROFILES:
        raise ProfileError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a profile; use one of "
            f"{', '.join(PROFILES)} (or unset it for the default: gpu on a GPU, standard on a CPU)."
        )
    return value


def settings(chapter: str, profile: str | None = None) -> Mapping[str, Any]:
    """The settings of ``chapter`` in ``profile`` (default: :func:`current_profile`), read-only.

    Used by chapter 06.
    """
    if chapter not in SETTINGS:
        raise ProfileError(f"no settings for chapter {chapter!r}; known: {', '.join(SETTINGS)}")
    profile = profile or current_profile()
    if profile not in PROFILES:
        raise ProfileError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    column = PROFILES.index(profile)
    return MappingProxyType({key: row[column] for key, row in SETTINGS[chapter].items()})


def settings_table(chapter: str) -> str:
    """The chapter's settings as Markdown: one column per profile, each profile's estimated
    minutes on a Colab T4 in the last row, and a line saying how they were estimated."""
    from .report import markdown_table

    if chapter not in SETTINGS:
        raise ProfileError(f"no settings for chapter {chapter!r}; known: {', '.join(SETTINGS)}")
    rows = [[f"`{key}`", *values] for key, values in SETTINGS[chapter].items()]
    rows.append([ESTIMATE_ROW, *(_minutes(estimate_minutes(chapter, p)) for p in PROFILES)])
    table = markdown_table(["setting", *PROFILES], rows).data
    return f"{table}\n\n{ESTIMATE_NOTE}"


def device_name() -> str:
    """``GPU (name)`` or ``CPU (n cores)``, for the banner."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"GPU ({gpus[0].name})"
    return f"CPU ({os.cpu_count()} cores)"


def banner(chapter: str, data_source: str, seed: int) -> str:
    """Print and return the one-line run banner: chapter, profile, data source, device, seed.

    In the ``gpu`` and ``full`` profiles the profile is followed by its estimated time on a
    Colab T4 (:func:`estimate_minutes`), so that a reader who chose ``full`` sees it first.
    """
    profile = current_profile()
    shown = profile
    if profile in ("gpu", "full") and chapter in SETTINGS:
        shown += f" (≈ {_minutes(estimate_minutes(chapter, profile))} min on a Colab T4)"
    line = (f"{chapter} · profile: {shown} · data: {data_source} · "
            f"device: {device_name()} · seed: {seed}")
    print(line)
    return line
