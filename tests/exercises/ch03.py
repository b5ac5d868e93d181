"""Typical mistakes in chapter 3's coding exercises, and what the checker says."""

_RIGHT_TRANSPOSED = (
    "    if transposed:\n"
    "        if padding == 'same':\n"
    "            return n * stride\n"
    "        return n * stride + max(kernel - stride, 0)\n"
)
_HEAD = "def conv_output_size(n, kernel, stride, padding, transposed=False):\n"

MISTAKES = {
    "3.2": [
        # 'same' rounded down instead of up (7 -> 3 at stride 2; Keras gives 4)
        (_HEAD + _RIGHT_TRANSPOSED + (
            "    if padding == 'same':\n"
            "        return n // stride\n"
            "    return (n - kernel) // stride + 1\n"), "rounded n / s down"),
        # 'valid' without the first position
        (_HEAD + _RIGHT_TRANSPOSED + (
            "    if padding == 'same':\n"
            "        return -(-n // stride)\n"
            "    return (n - kernel) // stride\n"), "first position"),
        # the textbook (n - 1) s + k for a transposed 'valid' layer, also when k < s
        (_HEAD + (
            "    if transposed:\n"
            "        if padding == 'same':\n"
            "            return n * stride\n"
            "        return (n - 1) * stride + kernel\n"
            "    if padding == 'same':\n"
            "        return -(-n // stride)\n"
            "    return (n - kernel) // stride + 1\n"), "k ≥ s"),
        # a transposed convolution treated as an ordinary one
        (_HEAD + (
            "    if padding == 'same':\n"
            "        return -(-n // stride)\n"
            "    return (n - kernel) // stride + 1\n"), "multiplies the size"),
        # a float instead of a whole number of pixels
        ("import math\n\n" + _HEAD + (
            "    if transposed:\n"
            "        if padding == 'same':\n"
            "            return n * stride * 1.0\n"
            "        return n * stride + max(kernel - stride, 0)\n"
            "    if padding == 'same':\n"
            "        return math.ceil(n / stride)\n"
            "    return (n - kernel) // stride + 1\n"), "return an int"),
    ],
    "3.3": [
        # the weights of the old average and of the live weights swapped
        ((
            "def average_update(average, live, decay, step):\n"
            "    beta = min(decay, (1 + step) / (10 + step))\n"
            "    return [(1 - beta) * a + beta * w for a, w in zip(average, live)]\n"),
         "swapped"),
        # no warm-up
        ((
            "def average_update(average, live, decay, step):\n"
            "    return [decay * a + (1 - decay) * w\n"
            "            for a, w in zip(average, live)]\n"),
         "without the warm-up"),
        # max instead of min
        ((
            "def average_update(average, live, decay, step):\n"
            "    beta = max(decay, (1 + step) / (10 + step))\n"
            "    return [beta * a + (1 - beta) * w for a, w in zip(average, live)]\n"),
         "minimum"),
        # one array for all weights instead of a list
        ((
            "import numpy as np\n\n"
            "def average_update(average, live, decay, step):\n"
            "    return np.zeros(3)\n"), "one array per weight"),
    ],
}
