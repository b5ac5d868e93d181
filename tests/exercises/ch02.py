"""Typical mistakes in chapter 2's coding exercises, and words their rejections use."""

D_DEF = "def optimal_discriminator(p_data, p_g):\n    return "
G_DEF = (
    "def generator_logit_gradients(fake_logits):\n"
    "    d = 1 / (1 + np.exp(-fake_logits))\n"
    "    return "
)
JS_DEF = "def js_divergence(p, q):\n    m = (p + q) / 2\n    return "
KL_P, KL_Q = "np.sum(p * np.log(p / m))", "np.sum(q * np.log(q / m))"
BITS_P, BITS_Q = KL_P.replace("log", "log2"), KL_Q.replace("log", "log2")

MISTAKES = {
    "2.2": [
        # the densities swapped: 1 - D*
        (f"{D_DEF}p_g / (p_data + p_g)\n", "numerator"),
        # the density ratio, not a probability
        (f"{D_DEF}p_data / p_g\n", "density ratio"),
        # right where the densities are positive, NaN where both vanish
        (f"{D_DEF}p_data / (p_data + p_g)\n", "return 1/2 there"),
        # a zero instead of 1/2 where both vanish
        (
            (f"{D_DEF}np.divide(p_data, p_data + p_g, out=np.zeros_like(p_data), "
            "where=p_data + p_g > 0)\n"),
            "takes neither side",
        ),
    ],
    "2.3": [
        # the pair in the wrong order
        (f"{G_DEF}-(1 - d) / d.size, -d / d.size\n", "swapped"),
        # the 1/m of the batch mean forgotten
        (f"{G_DEF}-d, -(1 - d)\n", "carries 1/m"),
        # the sign of both flipped
        (f"{G_DEF}d / d.size, (1 - d) / d.size\n", "both derivatives are negative"),
        # derivatives with respect to D instead of the logit
        (f"{G_DEF}-1 / (1 - d) / d.size, -1 / d / d.size\n", "not with respect to"),
        # one array instead of a pair
        (f"{G_DEF}np.stack([-d, -(1 - d)]) / d.size\n", "should return a pair"),
    ],
    "2.4": [
        # in bits
        (f"{JS_DEF}({BITS_P} + {BITS_Q}) / 2\n", "in bits"),
        # the 1/2 on each KL forgotten
        (f"{JS_DEF}{KL_P} + {KL_Q}\n", "twice the JSD"),
        # one KL term only
        (f"{JS_DEF}{KL_P}\n", "not symmetric"),
        # right on positive entries, NaN where a distribution is 0
        (f"{JS_DEF}0.5 * {KL_P} + 0.5 * {KL_Q}\n", "0 log 0 = 0"),
    ],
}
