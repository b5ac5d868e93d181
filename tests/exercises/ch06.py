"""Typical mistakes in chapter 6's coding exercises, each with a phrase its rejection must contain."""


def _code(*lines: str) -> str:
    return "\n".join(lines) + "\n"


_CYCLE = "def cycle_loss(x, y, G, F):"
_NORM = "def instance_normalise(h, epsilon=1e-5):"

MISTAKES = {
    "6.2": [
        (_code(_CYCLE, "    return tf.reduce_mean(tf.abs(F(G(x)) - x))"), "only the round trip x"),
        (_code(_CYCLE, "    return tf.reduce_mean((F(G(x)) - x) ** 2) + tf.reduce_mean((G(F(y)) - y) ** 2)"),
         "squares the differences"),
        (_code(_CYCLE, "    return tf.reduce_mean(tf.abs(G(x) - x)) + tf.reduce_mean(tf.abs(F(y) - y))"),
         "identity loss"),
        (_code(_CYCLE, "    return tf.reduce_sum(tf.abs(F(G(x)) - x)) + tf.reduce_sum(tf.abs(G(F(y)) - y))"),
         "sums over all entries"),
        (_code(_CYCLE, "    forward = tf.reduce_mean(tf.abs(F(G(x)) - x))",
               "    return 10 * (forward + tf.reduce_mean(tf.abs(G(F(y)) - y)))"), "λ = 10"),
        (_code(_CYCLE, "    return tf.reduce_mean(tf.abs(G(G(x)) - x)) + tf.reduce_mean(tf.abs(F(F(y)) - y))"),
         "wrong order"),
        (_code(_CYCLE, "    return tf.reduce_mean(tf.abs(F(G(x)) - x), axis=0)"), "one number"),
    ],
    "6.3": [
        (_code(_NORM, "    mean, var = tf.nn.moments(h, axes=[0, 1, 2], keepdims=True)",
               "    return (h - mean) / tf.sqrt(var + epsilon)"), "batch normalisation"),
        (_code(_NORM, "    mean, var = tf.nn.moments(h, axes=[1, 2, 3], keepdims=True)",
               "    return (h - mean) / tf.sqrt(var + epsilon)"), "layer normalisation"),
        (_code(_NORM, "    mean = np.mean(h, axis=(1, 2), keepdims=True)",
               "    return (h - mean) / (np.std(h, axis=(1, 2), keepdims=True) + epsilon)"),
         "inside the square root"),
        (_code(_NORM, "    mean = np.mean(h, axis=(1, 2), keepdims=True)",
               "    var = np.var(h, axis=(1, 2), keepdims=True, ddof=1)",
               "    return (h - mean) / np.sqrt(var + epsilon)"), "HW − 1"),
        (_code(_NORM, "    mean, var = tf.nn.moments(h, axes=[1, 2], keepdims=True)",
               "    return (h - mean) / tf.sqrt(var + 1e-5)"), "use its epsilon"),
        (_code(_NORM, "    mean, var = tf.nn.moments(h, axes=[1, 2])",
               "    return h - mean[:, None, None, :]"), "differs from the expected value"),
    ],
}
