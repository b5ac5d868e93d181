"""Typical mistakes in chapter 4's coding exercises, and what the checker must say."""

MISTAKES = {
    "4.2": [
        # the label's row added to z instead of multiplied
        (("def multiply_label(z, labels, table):\n"
          "    return z + table[labels]\n"
          "def concat_label(z, labels):\n"
          "    return np.concatenate([z, np.eye(10)[labels]], axis=-1)\n"), "added"),
        # rows counted from 1
        (("def multiply_label(z, labels, table):\n"
          "    return z * table[labels - 1]\n"
          "def concat_label(z, labels):\n"
          "    return np.concatenate([z, np.eye(10)[labels]], axis=-1)\n"), "row y − 1"),
        # the label appended as a number
        (("def multiply_label(z, labels, table):\n"
          "    return z * table[labels]\n"
          "def concat_label(z, labels):\n"
          "    return np.concatenate([z, labels[:, None]], axis=-1)\n"), "one number"),
        # the one-hot code before z
        (("def multiply_label(z, labels, table):\n"
          "    return z * table[labels]\n"
          "def concat_label(z, labels):\n"
          "    return np.concatenate([np.eye(10)[labels], z], axis=-1)\n"), "before z"),
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
