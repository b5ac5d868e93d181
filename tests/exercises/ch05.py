"""Typical mistakes in chapter 5's coding exercises, with words their rejections use."""

MISTAKES = {
    "5.3": [
        # the earth in the wrong place, not how far it travels
        (("def emd_piles(p, q, x):\n"
          "    return float(np.abs(p - q).sum())\n"), "cumulative"),
        # no absolute value: moves to the right cancel moves to the left
        (("def emd_piles(p, q, x):\n"
          "    d = np.cumsum(p) - np.cumsum(q)\n"
          "    return float(np.sum(d[:-1] * np.diff(x)))\n"), "absolute value"),
        # right only for unit spacing
        (("def emd_piles(p, q, x):\n"
          "    return float(np.abs(np.cumsum(p) - np.cumsum(q)).sum())\n"), "gap"),
    ],
    "5.4": [
        # one norm over the whole batch
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    between = eps * real + (1.0 - eps) * fake\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(between)\n"
          "        score = critic(between)\n"
          "    grad = tape.gradient(score, between)\n"
          "    return (tf.norm(grad) - 1.0) ** 2\n"), "one norm per sample"),
        # squared norm: no square root
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    between = eps * real + (1.0 - eps) * fake\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(between)\n"
          "        score = critic(between)\n"
          "    grad = tape.gradient(score, between)\n"
          "    squared = tf.reduce_sum(tf.square(grad), axis=1)\n"
          "    return tf.reduce_mean((squared - 1.0) ** 2)\n"), "square root"),
        # the gradient at the real samples instead of between real and fake
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(real)\n"
          "        score = critic(real)\n"
          "    grad = tape.gradient(score, real)\n"
          "    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=1))\n"
          "    return tf.reduce_mean((norm - 1.0) ** 2)\n"), "between them"),
        # summed over the batch
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    between = eps * real + (1.0 - eps) * fake\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(between)\n"
          "        score = critic(between)\n"
          "    grad = tape.gradient(score, between)\n"
          "    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=1))\n"
          "    return tf.reduce_sum((norm - 1.0) ** 2)\n"), "batch size"),
        # a one-sided penalty
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    between = eps * real + (1.0 - eps) * fake\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(between)\n"
          "        score = critic(between)\n"
          "    grad = tape.gradient(score, between)\n"
          "    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=1))\n"
          "    return tf.reduce_mean(tf.maximum(norm - 1.0, 0.0) ** 2)\n"),
         "two-sided"),
        # ε on the fake sample
        (("def gradient_penalty(critic, real, fake, eps):\n"
          "    between = eps * fake + (1.0 - eps) * real\n"
          "    with tf.GradientTape() as tape:\n"
          "        tape.watch(between)\n"
          "        score = critic(between)\n"
          "    grad = tape.gradient(score, between)\n"
          "    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=1))\n"
          "    return tf.reduce_mean((norm - 1.0) ** 2)\n"), "with x the real sample"),
    ],
}
