"""The committed notebooks' results, read from their glued values, meet each chapter's floors.

CI runs the notebooks in the quick profile, so it never sees the results the site shows; this
test reads them from the committed (standard-profile) outputs instead, so a re-run that commits
worse results fails here. Each floor is the chapter's claim in its prose.
"""

from __future__ import annotations

import json
import operator
import re
from pathlib import Path

import pytest

from genmodels.report import glued_values

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# notebook: [(glued key, comparison, floor, why)]
FLOORS: dict[str, list[tuple[str, str, float, str]]] = {
    "03_dcgan.ipynb": [
        ("dcgan_fd_final", "<=", 15.0, "samples are digits: Fréchet distance at most 15 (averaged G, n_eval >= 1,000)"),
        ("dcgan_confident_final", ">=", 70.0, "7 samples in 10 read with p >= 0.9 (real test digits: ~96 %)"),
        ("dcgan_classes_final", ">=", 10, "no mode collapse: all 10 digit classes hold 2 % of samples"),
        ("dcgan_d_real_last", "<", 0.7, "neither player dominates: D's mean output on real digits near 1/2"),
        ("dcgan_d_fake_last", ">", 0.3, "neither player dominates: D's mean output on generated digits near 1/2"),
    ],
    "04_cgan.ipynb": [
        ("cgan_fidelity", ">=", 90.0, "the averaged generator draws the requested digit 9 times in 10 (%)"),
        ("cgan_fidelity_gain", ">=", 0.0, "the weight average is at least as faithful as the live generator"),
        ("cgan_classes", ">=", 10, "all ten requested digits appear"),
        ("cgan_real_fidelity", ">=", 97.0, "the evaluator reads real test digits correctly (%)"),
    ],
    "07_style_transfer.ipynb": [
        ("style_speedup", ">=", 100, "the network is ≥ 100× faster than the optimisation (chapter: ~1000×)"),
        ("style_showcase_style_ratio", "<=", 0.3, "the 256-px picture is stylised (style loss ≤ 30 %)"),
        ("style_held_loss_ratio", "<", 1.0, "the trained network lowers the perceptual loss on held-out photos"),
        ("style_held_style_ratio", "<=", 0.7, "and their style loss, to ≤ 70 % (crops)"),
        ("style_china_style_ratio", "<=", 0.6, "the whole held-out temple is stylised (≤ 60 % of the photo's)"),
        ("style_chelsea_style_ratio", "<=", 0.6, "the whole held-out cat is stylised (≤ 60 % of the photo's)"),
    ],
    "01_autoencoders_vae.ipynb": [
        ("vae_negative_elbo", "<", 166.0, "2-D VAE, test -ELBO after the chapter's 50 epochs"),
        ("vae_ae_mse", "<", 0.04, "the autoencoder far below the mean-digit baseline (0.067)"),
        ("vae_denoise_gain", ">", 1.7, "denoised output 1.7x closer to the clean digit than the input"),
        ("vae_wide_negative_elbo", "<", 140.0, "a 10-D latent far below the 2-D VAE's bound"),
        ("vae_grid_2s", "<=", 9, "prose: almost no 2s on the manifold grid"),
        ("vae_grid_4s", "<=", 9, "prose: almost no 4s on the manifold grid"),
        ("vae_prior10_classes", ">=", 8, "prose: the 10-D VAE's prior samples spread over the classes"),
    ],
    "02_gan_theory.ipynb": [
        ("gan_dstar_mae", "<", 0.08, "a trained discriminator close to D* where samples fall"),
        ("gan_w1_end", "<", 0.6, "the 1-D GAN learns both modes (W1 about 1.9 before training)"),
        ("gan_osc_radius_last", ">", 0.4, "with Adam the one-parameter GAN keeps circling"),
        ("gan_vg_ratio_end", ">", 50, "non-saturating gradient far larger against a strong D"),
        ("gan_ring_k5_most_ever", "<=", 4, "prose: with k = 5 the ring GAN collapses onto few modes"),
        ("gan_ring_k1_most_ever", ">=", 6, "prose: with k = 1 a ring GAN spreads over most modes"),
    ],
    "05_wgan_emd.ipynb": [
        ("wgan_closed_form_error", "<", 1e-9, "every divergence curve equals its closed form"),
        ("wgan_share_at_clip", ">", 0.10, "clipping piles the critic's weights up at ±c"),
        ("wgan_norm_gp", ">", 0.3, "the penalty holds the critic's slope near 1"),
        ("wgan_norm_clip", "<", 0.5, "the clipped critic's slope is small"),
        ("wgan_gp_w_drop", ">", 2.0, "WGAN-GP's critic estimate falls with the early FD"),
        ("wgan_fd_ratio", ">", 1.0, "WGAN-GP ends below the clipped WGAN at equal steps"),
        ("wgan_gp_fd_final", "<=", 30.0, "WGAN-GP's samples are mostly digits: FD <= 30 (n_eval 2,000)"),
        ("wgan_gp_confident", ">=", 0.50, "at least half of WGAN-GP's samples read with p >= 0.9"),
        ("wgan_gp_cost", ">", 1.1, "a gradient-penalty step costs more than a clipped one"),
        ("wgan_classes_clip", ">=", 9, "the clipped WGAN draws (nearly) all ten digits"),
        ("wgan_classes_gp", ">=", 9, "WGAN-GP draws (nearly) all ten digits"),
    ],
    "06_cyclegan.ipynb": [
        ("cycle_error_xy", "<", 0.19, "X → Y error below 0.3 × the identity map's 0.64"),
        ("cycle_error_yx", "<", 0.19, "Y → X error below 0.3 × the identity map's 0.64"),
        ("cycle_cycle_x", "<", 0.2, "round trips restore their inputs"),
        ("cycle_cycle_y", "<", 0.2, "round trips restore their inputs"),
        ("cycle_error_over_map", ">", 1.0, "the prose says the best colour map beats CycleGAN"),
        # UCI ↔ MNIST (standard run: FD 120.0 → 46.8, accuracy 88.4 % → 72.6 %, 107 lost / 28 gained)
        ("cycle_uci_acc_before", ">=", 0.86, "bicubic enlargement: the evaluator reads 86-90 % of UCI"),
        ("cycle_uci_acc_before", "<=", 0.92, "bicubic enlargement: the evaluator reads 86-90 % of UCI"),
        ("cycle_uci_fd_ratio", ">", 1.7, "translation brings UCI digits closer to MNIST's style"),
        ("cycle_uci_fd_after", "<", 70.0, "translated FD well below the enlarged digits' 120"),
        ("cycle_uci_acc_after", ">=", 0.65, "most translated digits keep their class"),
        ("cycle_uci_acc_after", "<", 0.86, "the prose says the translation loses content"),
        ("cycle_uci_lost", ">", 60, "the prose says many more digits are lost than gained"),
        ("cycle_uci_gained", "<", 50, "the prose says many more digits are lost than gained"),
    ],
}

COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def executed_profile(path: Path) -> str | None:
    return json.loads(path.read_text(encoding="utf-8"))["metadata"].get("genmodels", {}).get("executed_profile")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_committed_results_meet_the_floors(name):
    path = NOTEBOOKS / name
    assert executed_profile(path) == "standard", f"{name}: committed outputs are not from the standard profile"
    values = glued_values(path)
    for key, op, floor, why in FLOORS[name]:
        assert key in values, f"{name}: {key} is not glued in the committed outputs"
        assert COMPARE[op](float(values[key]), floor), f"{name}: {key} = {values[key]}, needs {op} {floor} ({why})"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_glue_reference_is_defined(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    used = {m for cell in nb["cells"] if cell["cell_type"] == "markdown"
            for m in re.findall(r"\{glue(?::\w+)?\}`([^`:]+)", "".join(cell["source"]))}
    missing = used - set(glued_values(path))
    assert not missing, f"{path.name}: glued in the prose but not in the outputs: {sorted(missing)}"
