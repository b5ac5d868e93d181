"""Count the forward floating-point operations per example of every network the chapters train.

    python scripts/count_flops.py            # print the counts, as the FORWARD_FLOPS table
    python scripts/count_flops.py dcgan      # one chapter

The networks are not copied here: each chapter's model builders are read from its notebook at
run time (the top-level ``def``/``class`` statements and literal constants of its code cells,
nothing else: no data, no training), as ``benchmarks/gan_step.py`` does for notebook 03. Each
network is traced once as a TensorFlow graph for ONE example and TensorFlow's own profiler
(``tf.compat.v1.profiler``, ``float_operation``) adds up the floating-point operations of its
ops (a multiply-add counts 2; convolutions, matrix products, bias additions, normalisations).

The style-transfer backbone is VGG19 (``keras.applications``, built with ``weights=None``: only
its shape matters, nothing is downloaded), the one a reader with internet (Colab) uses.
Fully convolutional networks (CycleGAN, style transfer) are counted at 256 × 256 px; their cost
grows with the number of pixels, which is how ``genmodels.profiles`` scales them to other sizes.

Paste the printed table into ``FORWARD_FLOPS`` in ``src/genmodels/profiles.py`` (with the date);
``tests/test_profiles.py`` recounts chapter 03 and fails when the stored number is out of date.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SIDE = 256  # px: fully convolutional networks are counted at 256 × 256


def notebook_namespace(path: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a notebook's top-level definitions and literal constants; return the namespace.

    Code cells that are not plain Python (IPython magics) are skipped; assignments run only
    when their value is a literal (``latent_dim = 100``, ``a, b = 1e-3, 0.5``), so nothing of
    the notebook's data loading or training runs. ``extra`` supplies names the definitions
    read from elsewhere (e.g. a size that comes from the profile).
    """
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    body: list[ast.stmt] = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                body.append(node)
            elif isinstance(node, ast.Assign):
                try:
                    ast.literal_eval(node.value)
                except ValueError:
                    continue
                body.append(node)
    import genmodels as gm

    namespace: dict[str, Any] = {"__name__": path.stem, "keras": keras, "layers": layers,
                                 "ops": ops, "tf": tf, "np": np, "gm": gm, "seed": gm.DEFAULT_SEED}
    namespace.update(extra or {})
    for node in body:
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)  # noqa: S102
        except NameError:  # e.g. a default argument that is the notebook's data: not a builder
            continue
    return namespace


def forward_flops(fn: Callable[..., Any], *inputs: tuple[Sequence[int], str]) -> int:
    """Floating-point operations of ``fn`` on one example: inputs are (shape without batch, dtype)."""
    specs = [tf.TensorSpec((1, *shape), dtype) for shape, dtype in inputs]
    graph = tf.function(fn).get_concrete_function(*specs).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops)


def image(side: int, channels: int = 3) -> tuple[tuple[int, int, int], str]:
    return (side, side, channels), "float32"


def vector(n: int) -> tuple[tuple[int], str]:
    return (n,), "float32"


def notebook(name: str) -> Path:
    return ROOT / "notebooks" / name


# ----------------------------------------------------------------------------- per chapter
def autoencoders_vae() -> dict[str, int]:
    ns = notebook_namespace(notebook("01_autoencoders_vae.ipynb"))
    width = ns["intermediate_dim"]
    counts = {"autoencoder": forward_flops(ns["build_autoencoder"]("ae"), vector(784))}
    for key, latent in (("vae", ns["latent_dim"]), ("wide_vae", ns["wide_latent_dim"])):
        encoder, decoder = ns["build_encoder"](width, latent), ns["build_decoder"](width, latent)
        counts[key] = forward_flops(encoder, vector(784)) + forward_flops(decoder, vector(latent))
    return counts


def gan_theory() -> dict[str, int]:
    ns = notebook_namespace(notebook("02_gan_theory.ipynb"))
    mlp, width, latent = ns["mlp"], ns["ring_width"], ns["ring_latent_dim"]
    return {
        "mlp_1d": forward_flops(mlp(1, [32, 32], 1, "m"), vector(1)),  # every 1-D player
        "ring_generator": forward_flops(mlp(latent, [width] * 2, 2, "g"), vector(latent)),
        "ring_discriminator": forward_flops(mlp(2, [width] * 2, 1, "d"), vector(2)),
    }


def dcgan() -> dict[str, int]:
    ns = notebook_namespace(notebook("03_dcgan.ipynb"))
    return {"generator": forward_flops(ns["build_generator"](ns["latent_dim"]),
                                       vector(ns["latent_dim"])),
            "discriminator": forward_flops(ns["build_discriminator"](0.0), image(28, 1))}  # dropout: no FLOPs


def cgan() -> dict[str, int]:
    ns = notebook_namespace(notebook("04_cgan.ipynb"))
    latent, label = ns["latent_dim"], ((), "int32")
    counts = {}
    for condition in ("multiply", "concat"):
        g = ns["build_generator"](latent, condition)
        d = ns["build_discriminator"](condition)
        counts[f"generator_{condition}"] = forward_flops(lambda z, y, g=g: g([z, y]),
                                                         vector(latent), label)
        counts[f"discriminator_{condition}"] = forward_flops(lambda x, y, d=d: d([x, y]),
                                                             image(28, 1), label)
    return counts


def wgan() -> dict[str, int]:
    # latent_dim: a notebook constant (100, the chapter's); older versions read it from the profile.
    ns = notebook_namespace(notebook("05_wgan_emd.ipynb"), {"latent_dim": 100})
    latent = ns["latent_dim"]
    return {"generator": forward_flops(ns["make_generator"](), vector(latent)),
            "critic": forward_flops(ns["make_critic"](), vector(784))}


def cyclegan() -> dict[str, int]:
    ns = notebook_namespace(notebook("06_cyclegan.ipynb"))
    side = REFERENCE_SIDE
    counts = {}
    for gf in (16, 32):  # the CPU profiles' width and the chapter's
        counts[f"generator_gf{gf}"] = forward_flops(ns["build_generator"](side, gf, "G"), image(side))
    for df in (32, 64):
        counts[f"discriminator_df{df}"] = forward_flops(ns["build_discriminator"](side, df, "D"),
                                                        image(side))
    return counts


def style_transfer() -> dict[str, int]:
    ns = notebook_namespace(notebook("07_style_transfer.ipynb"))
    side = REFERENCE_SIDE
    vgg = keras.applications.VGG19(weights=None, include_top=False)
    names = [layer.name for layer in vgg.layers]

    def up_to(wanted: Sequence[str]) -> keras.Model:
        last = max(names.index(n) for n in wanted)
        return keras.Model(vgg.input, vgg.layers[last].output)

    counts = {
        # Gatys et al.: the extractor runs to the deepest of its layers (block5_conv1)
        "vgg19_gatys": forward_flops(up_to(ns["CONTENT_LAYERS"] + ns["STYLE_LAYERS"]), image(side)),
        # Johnson et al.'s perceptual loss (to block4_conv3)
        "vgg19_johnson": forward_flops(up_to(ns["JOHNSON_CONTENT"] + ns["JOHNSON_STYLE"]), image(side)),
    }
    for filters, blocks in ((16, 2), (16, 3), (32, 5)):  # the profiles' widths and depths
        net = ns["transformation_network"](filters, blocks)
        counts[f"transformer_f{filters}_r{blocks}"] = forward_flops(net, image(side))
    return counts


CHAPTERS: dict[str, Callable[[], dict[str, int]]] = {
    "autoencoders_vae": autoencoders_vae, "gan_theory": gan_theory, "dcgan": dcgan, "cgan": cgan,
    "wgan": wgan, "cyclegan": cyclegan, "style_transfer": style_transfer,
}


def main(argv: Sequence[str]) -> None:
    chosen = list(argv) or list(CHAPTERS)
    unknown = set(chosen) - set(CHAPTERS)
    if unknown:
        raise SystemExit(f"unknown chapter(s) {', '.join(sorted(unknown))}; known: {', '.join(CHAPTERS)}")
    print(f"FORWARD_FLOPS = {{  # per example; {REFERENCE_SIDE}-px images for the convolutional ones")
    for chapter in chosen:
        counts = CHAPTERS[chapter]()
        print(f'    "{chapter}": {{')
        for key, value in counts.items():
            print(f'        "{key}": {value:_},')
        print("    },")
    print("}")


if __name__ == "__main__":
    main(sys.argv[1:])
