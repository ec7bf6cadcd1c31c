"""Validation speed: live feedback on every edit needs shapes, parameters and problems fast.

Budget (issue 3): median <= 50 ms for a 50-node model and <= 300 ms for a 200-node one. Measured cold
(empty cache: opening a file) and per edit (one parameter changed: the editor's case). For scale, the
same run times what validation replaces: building the Keras model to read its shapes.

    python bench/validate.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.checks.validate import Validator, _infer_cached  # noqa: E402
from models.graph.spec import ModelSpec  # noqa: E402

BUDGET_MS = {50: 50.0, 200: 300.0}


def residual_stack(nodes: int) -> ModelSpec:
    """A ResNet-like graph of about `nodes` layers: conv, norm, activation, conv, Add per block."""
    spec = ModelSpec(name=f"bench_{nodes}")
    last = spec.add_node("Input", {"shape": [32, 32, 16]})
    while len(spec) + 5 <= nodes:
        block_in = last
        a = spec.add_node("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}, [block_in])
        a = spec.add_node("BatchNormalization", {}, [a])
        a = spec.add_node("Activation", {"activation": "relu"}, [a])
        a = spec.add_node("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}, [a])
        last = spec.add_node("Add", {}, [a, block_in])
    while len(spec) < nodes:
        last = spec.add_node("Activation", {"activation": "relu"}, [last])
    return spec


def median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    ok = True
    keras_times = {}
    for nodes, budget in BUDGET_MS.items():
        spec = residual_stack(nodes)
        validator = Validator()

        def cold(spec=spec, validator=validator):
            _infer_cached.cache_clear()
            assert validator.validate(spec).valid

        convs = [n for n in spec.nodes if n.startswith("conv2d")]
        middle = convs[len(convs) // 2]
        flips = iter(range(10**9))

        def edit(spec=spec, validator=validator, middle=middle, flips=flips):
            spec.set_params(middle, kernel_size=3 + 2 * (next(flips) % 2))  # 3 <-> 5, as a user would
            validator.validate(spec)

        cold_ms = median_ms(cold, args.repeats)
        edit_ms = median_ms(edit, args.repeats)
        from models.building.builder import build  # imports Keras: after the pure-Python timings

        keras_ms = median_ms(lambda spec=spec: build(spec), max(3, args.repeats // 5))
        keras_times[nodes] = keras_ms
        passed = max(cold_ms, edit_ms) <= budget
        ok &= passed
        print(f"{nodes:>3} nodes: cold {cold_ms:7.2f} ms, per edit {edit_ms:6.2f} ms (budget {budget:.0f} ms) "
              f"| Keras build {keras_ms:7.1f} ms = {keras_ms / cold_ms:5.0f}x slower | "
              f"{'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
