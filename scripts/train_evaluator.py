"""Rebuild the shipped MNIST evaluator deterministically: src/genmodels/data/evaluator.weights.h5.

Trains the small CNN of ``genmodels.metrics`` on the offline training split (8,000 digits, with
random shifts of up to 2 pixels), reports its accuracy on the offline test split and the time it
took, and writes the weights with their SHA-256. Run from the repository root:

    python scripts/train_evaluator.py            # writes the shipped file
    python scripts/train_evaluator.py --out /tmp/evaluator.weights.h5

Paste the printed SHA-256 into ``EVALUATOR_SHA256`` in src/genmodels/metrics.py when the shipped
file changes.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from genmodels import load_offline_mnist
from genmodels.data import sha256_of
from genmodels.metrics import (
    EVALUATOR_SEED,
    Evaluator,
    build_evaluator_model,
    evaluator_path,
    train_evaluator,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=evaluator_path())
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=EVALUATOR_SEED)
    args = parser.parse_args()

    mnist = load_offline_mnist()
    start, start_cpu = time.perf_counter(), time.process_time()
    model = train_evaluator(mnist.x_train, mnist.y_train, epochs=args.epochs, seed=args.seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    evaluator = Evaluator(model)
    test = mnist.x_test.astype("float32") / 255.0
    accuracy = evaluator.accuracy(test, mnist.y_test)
    train_accuracy = evaluator.accuracy(mnist.x_train.astype("float32") / 255.0, mnist.y_train)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shipped = build_evaluator_model()  # a fresh copy: saves the weights without optimizer state
    shipped.set_weights(model.get_weights())
    shipped.save_weights(args.out)
    print(f"trained in {seconds:.1f} s ({cpu:.1f} s of CPU time); train accuracy {train_accuracy:.4f}, test accuracy {accuracy:.4f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
    print(f"SHA-256 {sha256_of(args.out)}")
    if accuracy < 0.98:
        raise SystemExit(f"test accuracy {accuracy:.4f} is below the 0.98 the book relies on")


if __name__ == "__main__":
    main()
