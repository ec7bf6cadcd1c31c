"""A `.keras` file Strata writes loads with plain Keras in a fresh interpreter that has never seen Strata: its own
PositionEmbedding is built from Keras core parts (an Embedding of the positions, added to the input)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

from models.building.builder import POSITIONS_SUFFIX, build
from models.building.export import save_keras
from models.templates import load_template


def test_the_vision_transformer_saved_by_strata_loads_without_strata(tmp_path):
    model = build(load_template("vit").spec).model
    layer = next(layer for layer in model.layers if layer.name.endswith(POSITIONS_SUFFIX))
    table = layer.get_weights()[0]
    layer.set_weights([np.random.default_rng(0).normal(size=table.shape).astype("float32")])  # not the initial
    path = save_keras(model, tmp_path / "vit.keras")
    pixels = np.random.default_rng(1).random((2, *model.inputs[0].shape[1:])).astype("float32")
    np.save(tmp_path / "pixels.npy", pixels)
    np.save(tmp_path / "expected.npy", model(pixels).numpy())
    code = f"""
        import sys, numpy as np, keras
        assert not any("strata" in p.lower() or p.endswith("main") for p in sys.path if p), sys.path
        model = keras.saving.load_model(r"{path}")  # no custom_objects, safe mode on
        got = model(np.load(r"{tmp_path / 'pixels.npy'}")).numpy()
        print("DIFF", float(np.abs(got - np.load(r"{tmp_path / 'expected.npy'}")).max()))
        print("MODULES", sorted({{type(l).__module__.split(".")[0] for l in model.layers}}))
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.split("DIFF")[1].split()[0]) < 1e-5
    assert "MODULES ['keras']" in result.stdout
