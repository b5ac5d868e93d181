"""How fast is a DCGAN training step: the source chapter's loop vs the book's ``train_step`` in ``fit``.

    python benchmarks/gan_step.py            # 5 repetitions of 60 timed steps per way
    python benchmarks/gan_step.py --quick    # 3 repetitions of 15 steps (a few minutes)
    python benchmarks/gan_step.py --no-xla   # only the book's step without XLA
    python benchmarks/gan_step.py --batch 100  # the chapter's batch instead of the notebook's

Both ways train the chapter's DCGAN (Radford et al. 2015) with the same architecture, batch size
(default: notebook 03's ``standard`` batch), optimizers and data (the offline MNIST training
digits in [-1, 1]) on the CPU. The networks, the book's model class and the constants (latent
size, Adam's learning rate and beta_1, the weight-averaging decay, XLA on or off) are not copied
here: they are read from notebooks/03_dcgan.ipynb at run time (see ``notebook_definitions``), so
the benchmark times exactly what the notebook trains.

(a) the chapter's TF 2.0 loop, ported to Keras 3 as faithfully as it allows: ``generator.predict``
    makes the fakes, ``discriminator.train_on_batch`` runs on the real and on the fake half, and a
    combined model (generator + frozen discriminator) is trained with ``train_on_batch``;
(b) the book's way: one ``keras.Model`` whose ``train_step`` does both updates, compiled into one
    graph and driven by ``fit`` over a ``tf.data`` pipeline; timed without and with XLA
    (``jit_compile=True``), which compiles the same step into fused CPU code.

Each way is warmed up (tracing, first allocations), then the repetitions are interleaved, the
order alternating, so that noise from other processes on a shared machine hits both ways alike.
Before timing it checks that (a)'s combined model leaves the discriminator alone and that XLA
computes the same gradients as the ordinary graph. Prints a table (median and spread of steps/s,
and the CPU time per step, which other processes disturb less than wall-clock time) and, last,
``speedup: X.XX (...)`` = median steps/s of the book's way *as notebook 03 trains it* (its
``jit_compile`` setting; ``--no-xla``: without XLA) over median steps/s of (a), with the
configuration named in the parentheses; the two lines before it give the book's way without and
with XLA.

It also counts the floating-point operations of one step of the book's ``train_step`` (the ops
of the traced step that it runs, with TensorFlow's per-op counts: convolutions, their gradients
and the matrix products, at 2 FLOPs per multiply-add; see ``step_flops``) and reports, per way, the achieved GFLOP/s and its share
of this CPU's peak; the peak (FP32 FMA throughput of all cores at the nominal clock) is derived
from /proc/cpuinfo and printed with its derivation, or given with ``--peak-gflops``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf
from keras import layers

import genmodels as gm
from genmodels.profiles import SETTINGS

BATCH = SETTINGS["dcgan"]["batch_size"][1]  # notebook 03's standard batch (the chapter's: 100)
LEARNING_RATE = SETTINGS["dcgan"]["learning_rate"][1]  # its standard Adam rate (the chapter's: 2e-4)
DROPOUT = SETTINGS["dcgan"]["dropout"][1]  # its standard dropout in D (the chapter's: 0.3)


# ----------------------------------------------------------------------------- the architecture
# One source: the networks, the model and its constants are read from notebook 03, where the
# prose explains them. Only the top-level definitions named here are executed, nothing else of
# the notebook (no data, no training).
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_dcgan.ipynb"
DEFINITIONS = ("build_generator", "build_discriminator", "DCGAN")
CONSTANTS = ("latent_dim", "beta_1", "average_decay", "jit_compile")


def notebook_definitions(path: Path = NOTEBOOK) -> dict[str, Any]:
    """Execute the notebook's ``DEFINITIONS`` and ``CONSTANTS`` (literal assignments) and return them.

    Code cells are parsed with :mod:`ast`; cells that are not plain Python (IPython magics) are
    skipped. Raises ``LookupError`` naming whatever the notebook no longer defines.
    """
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found: dict[str, ast.stmt] = {}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython syntax (%pip ...): no definitions of ours
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in DEFINITIONS:
                found[node.name] = node
            elif isinstance(node, ast.Assign):
                names = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                if names and set(names) <= set(CONSTANTS):
                    ast.literal_eval(node.value)  # constants only: refuse anything computed
                    for name in names:
                        found[name] = node
    missing = [name for name in (*DEFINITIONS, *CONSTANTS) if name not in found]
    if missing:
        raise LookupError(f"{path.name} no longer defines {', '.join(missing)} at the top level of "
                          "a code cell; update benchmarks/gan_step.py (DEFINITIONS, CONSTANTS)")
    from genmodels import adversarial

    namespace: dict[str, Any] = {"__name__": "dcgan_notebook", "keras": keras, "layers": layers,
                                 "tf": tf, "np": np, "adversarial": adversarial}
    module = ast.Module(body=list(dict.fromkeys(found.values())), type_ignores=[])
    exec(compile(module, str(path), "exec"), namespace)  # noqa: S102 - the book's own notebook
    return {name: namespace[name] for name in (*DEFINITIONS, *CONSTANTS)}


NB = notebook_definitions()
build_generator, build_discriminator = NB["build_generator"], NB["build_discriminator"]
LATENT = NB["latent_dim"]
NOTEBOOK_XLA = bool(NB["jit_compile"])  # does notebook 03 train with XLA?


def adam() -> keras.optimizers.Optimizer:
    """Adam with the notebook's standard learning rate and its beta_1 (0.5, Radford et al.)."""
    return keras.optimizers.Adam(LEARNING_RATE, beta_1=NB["beta_1"])


# ----------------------------------------------------------------------------- (a) the chapter's loop
class ChapterLoop:
    """The chapter's three-model ``train_on_batch`` loop, in Keras 3."""

    name = "(a) chapter: predict + train_on_batch ×3"
    short = "(a)"

    def __init__(self, x_train: np.ndarray, seed: int, batch: int = BATCH) -> None:
        self.x_train, self.batch = x_train, batch
        self.rng = np.random.default_rng(seed)
        self.generator = build_generator(LATENT)
        self.discriminator = build_discriminator(DROPOUT)
        self.discriminator.compile(loss="binary_crossentropy", optimizer=adam(), jit_compile=False)
        z = keras.Input((LATENT,))
        self.combined = keras.Model(z, self.discriminator(self.generator(z)))
        self.combined.compile(loss="binary_crossentropy", optimizer=adam(), jit_compile=False)
        self.real = np.ones((batch, 1), np.float32)
        self.fake = np.zeros((batch, 1), np.float32)

    def step(self) -> tuple[float, float]:
        real_images = self.x_train[self.rng.integers(0, len(self.x_train), self.batch)]
        noise = self.rng.standard_normal((self.batch, LATENT)).astype(np.float32)
        generated = self.generator.predict(noise, verbose=0)
        # Keras 3 reads `trainable` when it first traces a model's train function; the chapter's
        # compile-time freeze becomes a toggle around the calls (free once both are traced).
        self.discriminator.trainable = True
        d_real = self.discriminator.train_on_batch(real_images, self.real)
        d_fake = self.discriminator.train_on_batch(generated, self.fake)
        self.discriminator.trainable = False
        noise = self.rng.standard_normal((self.batch, LATENT)).astype(np.float32)
        g_loss = self.combined.train_on_batch(noise, self.real)
        return 0.5 * (float(d_real) + float(d_fake)), float(g_loss)

    def run(self, steps: int) -> tuple[float, float]:
        """Run ``steps`` steps; return (steps per second, CPU seconds per step)."""
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            losses = self.step()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if not np.all(np.isfinite(losses)):
            raise RuntimeError(f"{self.name}: non-finite losses {losses}")
        return steps / elapsed, cpu / steps

    def check_freezing(self) -> None:
        """The combined step must leave the discriminator alone and train the generator."""
        d_before = [w.numpy().copy() for w in self.discriminator.weights]
        g_before = [w.numpy().copy() for w in self.generator.trainable_weights]
        noise = self.rng.standard_normal((self.batch, LATENT)).astype(np.float32)
        self.discriminator.trainable = False
        self.combined.train_on_batch(noise, self.real)
        assert all(np.array_equal(a, b.numpy()) for a, b in zip(d_before, self.discriminator.weights)), \
            "the combined model changed the discriminator"
        assert not all(np.array_equal(a, b.numpy()) for a, b in zip(g_before, self.generator.trainable_weights)), \
            "the combined model did not train the generator"


# ----------------------------------------------------------------------------- (b) the book's way
def book_model(seed: int) -> keras.Model:
    """The notebook's ``DCGAN`` (with its averaged generator) around its two networks, fresh weights."""
    return NB["DCGAN"](build_generator(LATENT), build_discriminator(DROPOUT), LATENT, NB["average_decay"],
                       seed=seed)


class BookLoop:
    """``fit`` over an infinite shuffled pipeline; one timed call of ``fit`` runs ``steps`` steps."""

    def __init__(self, x_train: np.ndarray, seed: int, jit_compile: bool, batch: int = BATCH) -> None:
        self.name = "(b) book: train_step in fit" + (" + XLA" if jit_compile else "")
        self.short = "(b) + XLA" if jit_compile else "(b)"
        self.model = book_model(seed)
        self.model.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=jit_compile)
        # tf.data's autotuner is off: it only sizes buffers, but a pipeline that uses it makes every
        # `fit` call wait at its end for the autotuner's thread to wake, up to about 5 s here, which
        # a 15-step repetition would count as training time. The data and their order are unchanged.
        options = tf.data.Options()
        options.autotune.enabled = False
        self.data = (tf.data.Dataset.from_tensor_slices(x_train)
                     .shuffle(len(x_train), seed=seed).repeat()
                     .batch(batch, drop_remainder=True).prefetch(2)
                     .with_options(options))

    def run(self, steps: int) -> tuple[float, float]:
        """Run ``steps`` steps; return (steps per second, CPU seconds per step)."""
        start, cpu = time.perf_counter(), time.process_time()
        history = self.model.fit(self.data, epochs=1, steps_per_epoch=steps, verbose=0,
                                 shuffle=False)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        losses = [history.history["d_loss"][-1], history.history["g_loss"][-1]]
        if not np.all(np.isfinite(losses)):
            raise RuntimeError(f"{self.name}: non-finite losses {losses}")
        return steps / elapsed, cpu / steps


def check_xla_matches(x_train: np.ndarray, seed: int, batch: int) -> float:
    """XLA must compute the same step: both losses' gradients, with and without jit, on the same inputs.

    Only the random numbers differ between the two (XLA's generator draws another stream from the
    same seed), so the noise is passed in and dropout is off. Returns the relative difference
    ||g_xla - g|| / ||g|| of the gradient of each network (the larger of the two) and raises if it
    exceeds 1 %. Measured: 1e-6 to 2e-3 depending on the initial weights, float32 rounding in another
    order of summation, amplified in the generator, whose gradient passes backwards through batch
    normalisation (it subtracts nearly equal numbers). A wrong compilation would be off by far more.
    """
    gm.set_seed(seed)  # the same initial weights whatever ran before
    model = book_model(seed)
    rng = np.random.default_rng(seed)
    real = tf.constant(x_train[:batch])
    z = tf.constant(rng.standard_normal((batch, model.latent_dim)).astype(np.float32))
    ones, zeros = tf.ones((batch, 1)), tf.zeros((batch, 1))

    def gradients(real, z):
        with tf.GradientTape(persistent=True) as tape:
            fake = model.generator(z, training=True)
            d_loss = (model.bce(ones, model.discriminator(real)) + model.bce(zeros, model.discriminator(fake)))
            g_loss = model.bce(ones, model.discriminator(fake))
        return (tape.gradient(d_loss, model.discriminator.trainable_weights)
                + tape.gradient(g_loss, model.generator.trainable_weights))

    plain = tf.function(gradients)(real, z)
    xla = tf.function(gradients, jit_compile=True)(real, z)
    n_d = len(model.discriminator.trainable_weights)
    worst = 0.0
    for part in (slice(0, n_d), slice(n_d, None)):  # the discriminator's gradient, the generator's
        a = tf.concat([tf.reshape(g, [-1]) for g in plain[part]], 0)
        b = tf.concat([tf.reshape(g, [-1]) for g in xla[part]], 0)
        worst = max(worst, float(tf.norm(a - b) / tf.norm(a)))
    if worst > 1e-2:
        raise AssertionError(f"XLA's gradients differ from the ordinary graph's by {worst:.1e} (relative)")
    return worst


# ----------------------------------------------------------------------------- arithmetic and peak
def step_flops(batch: int, seed: int) -> float:
    """Floating-point operations of one step of the book's ``train_step`` at ``batch``, counted.

    The step is traced into a graph; the ops that the step's results and weight updates depend on
    are collected (TensorFlow prunes the rest before running it: the tape also emits gradients
    that nothing uses, with respect to the images, the noise, the generator's weights in the
    discriminator's update and the discriminator's in the generator's, about 40 % more
    arithmetic); their FLOPs are summed with TensorFlow's registered per-op counts (convolutions,
    their input and filter gradients, matrix products; 2 per multiply-add). Element-wise work
    (batch norm, activations, Adam, the weight average) has no registered count; it is well
    under 1 % of the arithmetic here.
    """
    from tensorflow.python.framework import ops as tf_ops

    model = book_model(seed)
    model.compile(d_optimizer=adam(), g_optimizer=adam())
    model.d_optimizer.build(model.discriminator.trainable_weights)
    model.g_optimizer.build(model.generator.trainable_weights)
    # autograph=False: the step has no tensor-dependent Python control flow, and autograph cannot
    # read the source of a method defined by exec (it would warn, then run it unconverted anyway).
    graph = tf.function(model.train_step, autograph=False).get_concrete_function(
        tf.TensorSpec((batch, 28, 28, 1), tf.float32)).graph
    needed: set[str] = set()
    stack = [t.op for t in graph.outputs] + list(graph.control_outputs)
    while stack:
        op = stack.pop()
        if op.name not in needed:
            needed.add(op.name)
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")  # the shape helper behind the counts logs a v1 deprecation
    try:
        total = 0
        for op in graph.get_operations():
            if op.name in needed:
                try:
                    total += tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
                except ValueError:  # no count registered for this op type
                    pass
    finally:
        tf.get_logger().setLevel(level)
    return float(total)


def cpu_peak() -> tuple[float, str]:
    """Peak FP32 FLOP/s of this CPU (all cores, nominal clock) and how it was derived.

    peak = cores × clock × FP32 FLOPs per cycle per core, where the last factor is the number of
    FMA pipes × their width in floats × 2 (an FMA is two operations), from the vendor and the
    instruction-set flags: AMD Zen 2-4 (family 23 from model 0x30, family 25) run two 256-bit FMA
    pipes, 32 (AVX-512 on Zen 4 is split over them, so it does not double this); Zen 5 (family 26)
    64; Intel with AVX-512, two 512-bit FMA units (Xeon Gold/Platinum; some parts have one), 64;
    AVX2 + FMA, 32; otherwise 8. The clock is the one /proc/cpuinfo reports (on a virtual
    machine, the nominal clock); turbo is not counted. "Cores" are the logical CPUs this process
    sees, which are physical cores only without SMT (``lscpu``: 1 thread per core).
    """
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    flags = set(info.get("flags", "").split())
    vendor, family = info.get("vendor_id", "?"), int(info.get("cpu family", "0") or 0)
    model = int(info.get("model", "0") or 0)
    mhz = float(info.get("cpu MHz", "0") or 0)
    if vendor == "AuthenticAMD" and (family == 25 or (family == 23 and model >= 0x30)):
        per_cycle, why = 32, "2 FMA pipes × 8 floats (256-bit) × 2"
    elif vendor == "AuthenticAMD" and family >= 26:
        per_cycle, why = 64, "2 FMA pipes × 16 floats (512-bit) × 2"
    elif "avx512f" in flags:
        per_cycle, why = 64, "2 AVX-512 FMA units × 16 floats × 2 (assumed: 2 units)"
    elif {"avx2", "fma"} <= flags:
        per_cycle, why = 32, "2 FMA units × 8 floats (256-bit) × 2"
    else:
        per_cycle, why = 8, "no FMA: 2 × 4 floats (SSE)"
    cores = os.cpu_count() or 1
    peak = cores * mhz * 1e6 * per_cycle
    text = (f"{peak / 1e9:.0f} GFLOP/s = {cores} cores × {mhz / 1000:.2f} GHz × {per_cycle} FP32 FLOP/cycle "
            f"({why}; {info.get('model name', '?')}, family {family} model {model:#x}, clock from "
            "/proc/cpuinfo, no turbo)")
    return peak, text


# ----------------------------------------------------------------------------- main
def summarise(rates: list[float], cpu: list[float], flops: float, peak: float) -> str:
    rate = statistics.median(rates)
    return (f"{rate:.3f} | {min(rates):.3f} – {max(rates):.3f} | "
            f"{1000 / rate:.0f} | {statistics.median(cpu):.2f} | {rate * flops / 1e9:.1f} | "
            f"{100 * rate * flops / peak:.0f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions of 15 steps (a few minutes)")
    parser.add_argument("--steps", type=int, help="timed steps per repetition (default 60; quick 15)")
    parser.add_argument("--repeats", type=int, help="repetitions per way (default 5; quick 3)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per way first (default 3)")
    parser.add_argument("--no-xla", action="store_true", help="time (b) without XLA only")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"batch size (default: the chapter's {BATCH})")
    parser.add_argument("--seed", type=int, default=gm.DEFAULT_SEED)
    parser.add_argument("--peak-gflops", type=float, help="this CPU's peak (default: derived from /proc/cpuinfo)")
    args = parser.parse_args()
    steps = args.steps if args.steps is not None else (15 if args.quick else 60)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 5)
    if min(steps, repeats, args.warmup, args.batch) < 1:
        parser.error("--steps, --repeats, --warmup and --batch must be positive")
    if args.peak_gflops is not None and args.peak_gflops <= 0:
        parser.error("--peak-gflops must be positive")

    gm.set_seed(args.seed)
    x_train = gm.to_signed(gm.load_offline_mnist().x_train)[..., None]
    chapter = ChapterLoop(x_train, args.seed, args.batch)
    chapter.check_freezing()
    ways = [chapter, BookLoop(x_train, args.seed, jit_compile=False, batch=args.batch)]
    if not args.no_xla:
        print(f"XLA computes the same gradients (largest relative difference "
              f"{check_xla_matches(x_train, args.seed, args.batch):.1e})", flush=True)
        ways.append(BookLoop(x_train, args.seed, jit_compile=True, batch=args.batch))

    print(f"DCGAN step, batch {args.batch}, CPU ({os.cpu_count()} cores), TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}; {repeats} × {steps} timed steps per way after {args.warmup} "
          "warm-up steps", flush=True)
    flops = step_flops(args.batch, args.seed)
    if args.peak_gflops is not None:
        peak, peak_text = args.peak_gflops * 1e9, f"{args.peak_gflops:.0f} GFLOP/s (given)"
    else:
        peak, peak_text = cpu_peak()
    print(f"counted: {flops / 1e9:.2f} GFLOP per step of the book's train_step (the ops it runs, "
          f"TensorFlow's per-op counts, batch {args.batch}; (a) does about the same arithmetic, "
          "so its GFLOP/s use the same count)", flush=True)
    print(f"peak: {peak_text}", flush=True)
    for way in ways:
        way.run(args.warmup)
    rates: dict[str, list[float]] = {way.name: [] for way in ways}
    cpu: dict[str, list[float]] = {way.name: [] for way in ways}
    for r in range(repeats):
        order = ways if r % 2 == 0 else ways[::-1]  # alternate, so drifts in load hit both ways
        for way in order:
            rate, cpu_per_step = way.run(steps)
            rates[way.name].append(rate)
            cpu[way.name].append(cpu_per_step)
        print(f"  repetition {r + 1}/{repeats}: " + ", ".join(
            f"{way.short} {rates[way.name][-1]:.3f}" for way in ways) + " steps/s", flush=True)

    base = statistics.median(rates[chapter.name])
    print()
    print("| way | steps/s (median) | steps/s (min – max) | ms/step (median) | CPU s/step (median) "
          "| GFLOP/s | share of peak | speedup |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for way in ways:
        print(f"| {way.name} | {summarise(rates[way.name], cpu[way.name], flops, peak)} | "
              f"{statistics.median(rates[way.name]) / base:.2f}× |")
    without = statistics.median(rates[ways[1].name]) / base
    print(f"speedup without XLA: {without:.2f}")
    if len(ways) > 2:
        with_xla = statistics.median(rates[ways[2].name]) / base
        print(f"speedup with XLA: {with_xla:.2f}")
    # The headline is the configuration notebook 03 trains with (its jit_compile constant).
    xla = NOTEBOOK_XLA and len(ways) > 2
    same = args.batch == BATCH and xla == NOTEBOOK_XLA
    note = "as notebook 03 trains it" if same else (
        f"notebook 03 trains at batch {BATCH}, XLA {'on' if NOTEBOOK_XLA else 'off'}")
    print(f"speedup: {with_xla if xla else without:.2f} (book's step at batch {args.batch}, "
          f"XLA {'on' if xla else 'off'}; {note})")


if __name__ == "__main__":
    main()
