"""Typical mistakes in chapter 1's coding exercises, and words their rejections use."""

KL = "1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)"
KL_STD = "1.0 + z_log_var - ops.square(z_mean) - ops.exp(0.5 * z_log_var)"
KL_DEF = "def kl_to_prior(z_mean, z_log_var):\n    return "
Z_DEF = "def reparameterise(z_mean, z_log_var, eps):\n    return "
BCE = "ops.binary_crossentropy(x, logits, from_logits=True)"


def beta_loss(reconstruction: str, total: str, kl: str = f"-0.5 * ops.sum({KL}, -1)"):
    """A beta_vae_loss whose per-image parts and total are the given expressions."""
    return (
        "def beta_vae_loss(x, logits, z_mean, z_log_var, beta):\n"
        f"    bce = {reconstruction}\n"
        f"    kl = {kl}\n"
        f"    return {total}\n"
    )


SUMMED = f"ops.sum({BCE}, axis=-1)"
NUMPY_LOSS = (
    "def beta_vae_loss(x, logits, z_mean, z_log_var, beta):\n"
    "    x, l = np.asarray(x, 'float64'), np.asarray(logits, 'float64')\n"
    "    mu, lv = np.asarray(z_mean, 'float64'), np.asarray(z_log_var, 'float64')\n"
    "    bce = np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l)))\n"
    "    kl = -0.5 * np.sum(1.0 + lv - mu**2 - np.exp(lv), axis=-1)\n"
    "    return np.mean(bce.sum(axis=-1) + beta * kl)\n"
)

MISTAKES = {
    "1.2": [
        # the sign of the closed form dropped
        (f"{KL_DEF}0.5 * ops.sum({KL}, axis=-1)\n", "never negative"),
        # the 1/2 forgotten
        (f"{KL_DEF}-ops.sum({KL}, axis=-1)\n", "factor 1/2"),
        # a mean over the latent dimensions instead of their sum
        (f"{KL_DEF}-0.5 * ops.mean({KL}, axis=-1)\n", "sum of the per-dimension"),
        # no reduction at all: one KL per latent dimension
        (f"{KL_DEF}-0.5 * ({KL})\n", "over the latent axis"),
        # reduced over everything, batch included
        (f"{KL_DEF}-0.5 * ops.mean(ops.sum({KL}, axis=-1))\n", "mean over the batch"),
        # the standard deviation where the formula has the variance
        (f"{KL_DEF}-0.5 * ops.sum({KL_STD}, axis=-1)\n", "standard deviation"),
    ],
    "1.3": [
        # scaled by the variance
        (f"{Z_DEF}z_mean + ops.exp(z_log_var) * eps\n", "by the variance"),
        # the log-variance used as sigma
        (f"{Z_DEF}z_mean + z_log_var * eps\n", "log-variance"),
        # the noise forgotten
        (f"{Z_DEF}z_mean + ops.exp(0.5 * z_log_var)\n", "ignored the noise"),
        # right numbers, computed in NumPy: no gradient
        (
            f"{Z_DEF}np.asarray(z_mean) + np.exp(0.5 * np.asarray(z_log_var)) * eps\n",
            "no gradient",
        ),
    ],
    "1.4": [
        # beta on the wrong term
        (beta_loss(SUMMED, "ops.mean(beta * bce + kl)"), "multiplies the reconstruct"),
        # the cross-entropy averaged over the pixels
        (
            beta_loss(f"ops.mean({BCE}, axis=-1)", "ops.mean(bce + beta * kl)"),
            "averages the cross-entropy over the pixels",
        ),
        # logits treated as probabilities
        (
            beta_loss("ops.sum(ops.binary_crossentropy(x, logits), axis=-1)",
                      "ops.mean(bce + beta * kl)"),
            "from_logits=True",
        ),
        # summed over the batch
        (beta_loss(SUMMED, "ops.sum(bce + beta * kl)"), "sums over the 4 images"),
        # one loss per image returned
        (beta_loss(SUMMED, "bce + beta * kl"), "one loss per image"),
        # the KL's 1/2 dropped
        (
            beta_loss(SUMMED, "ops.mean(bce + beta * kl)", f"-ops.sum({KL}, axis=-1)"),
            "the batch's mean KL",
        ),
        # right numbers, computed in NumPy: no gradient reaches the networks
        (NUMPY_LOSS, "no gradient"),
    ],
}
