"""Typical mistakes in chapter 4's coding exercises, and what the checker must say."""

MISTAKES = {
    "4.2": [
        # the average and the live weights swapped
        (("def average_step(average, live, decay, step):\n"
          "    beta = min(decay, (1 + step) / (10 + step))\n"
          "    return beta * live + (1 - beta) * average\n"), "to the live weights"),
        # no warm-up: the constant decay from the first step on
        (("def average_step(average, live, decay, step):\n"
          "    return decay * average + (1 - decay) * live\n"), "(β itself)"),
        # the warm-up's numerator without the 1
        (("def average_step(average, live, decay, step):\n"
          "    beta = min(decay, step / (10 + step))\n"
          "    return beta * average + (1 - beta) * live\n"), "t/(10+t)"),
        # the step counted from 0
        (("def average_step(average, live, decay, step):\n"
          "    beta = min(decay, step / (9 + step))\n"
          "    return beta * average + (1 - beta) * live\n"), "off by one"),
    ],
    "4.3": [
        # clipping instead of redrawing
        (("def truncate(z, threshold, rng):\n"
          "    return np.clip(z, -threshold, threshold)\n"), "clipping"),
        # one redraw only: some values land outside again
        (("def truncate(z, threshold, rng):\n"
          "    z = np.array(z, dtype=float)\n"
          "    outside = np.abs(z) > threshold\n"
          "    z[outside] = rng.standard_normal(int(outside.sum()))\n"
          "    return z\n"), "again and again"),
        # redrawn uniformly on [-τ, τ]
        (("def truncate(z, threshold, rng):\n"
          "    z = np.array(z, dtype=float)\n"
          "    outside = np.abs(z) > threshold\n"
          "    z[outside] = rng.uniform(-threshold, threshold, int(outside.sum()))\n"
          "    return z\n"), "uniform distribution"),
        # whole vectors redrawn when any coordinate is outside
        (("def truncate(z, threshold, rng):\n"
          "    z = np.array(z, dtype=float)\n"
          "    bad = (np.abs(z) > threshold).any(axis=-1)\n"
          "    while bad.any():\n"
          "        z[bad] = rng.standard_normal((int(bad.sum()), z.shape[-1]))\n"
          "        bad = (np.abs(z) > threshold).any(axis=-1)\n"
          "    return z\n"), "whole vectors"),
        # rescaled into [-τ, τ] instead of redrawn
        (("def truncate(z, threshold, rng):\n"
          "    return z * threshold / np.abs(z).max()\n"), "rescaled"),
        # coordinates outside set to zero
        (("def truncate(z, threshold, rng):\n"
          "    return np.where(np.abs(z) > threshold, 0.0, z)\n"), "to 0"),
    ],
}
