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


def loads_without_strata(model, tmp_path) -> str:
    """Save `model` as Strata does, load it with plain Keras in a fresh interpreter and compare its outputs;
    returns that interpreter's output (the modules of the loaded layers)."""
    path = save_keras(model, tmp_path / "model.keras")
    pixels = np.random.default_rng(1).random((2, *model.inputs[0].shape[1:])).astype("float32")
    np.save(tmp_path / "pixels.npy", pixels)
    expected = model([pixels] * len(model.inputs)) if len(model.inputs) > 1 else model(pixels)
    np.save(tmp_path / "expected.npy", np.asarray(expected[0] if isinstance(expected, list) else expected))
    code = f"""
        import sys, numpy as np, keras
        assert not any("strata" in p.lower() or p.endswith("main") for p in sys.path if p), sys.path
        model = keras.saving.load_model(r"{path}")  # no custom_objects, safe mode on
        pixels = np.load(r"{tmp_path / 'pixels.npy'}")
        got = model([pixels] * len(model.inputs)) if len(model.inputs) > 1 else model(pixels)
        got = np.asarray(got[0] if isinstance(got, list) else got)
        print("DIFF", float(np.abs(got - np.load(r"{tmp_path / 'expected.npy'}")).max()))
        print("MODULES", sorted({{type(l).__module__.split(".")[0] for l in model.layers}}))
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.split("DIFF")[1].split()[0]) < 1e-5
    return result.stdout


def test_the_vision_transformer_saved_by_strata_loads_without_strata(tmp_path):
    model = build(load_template("vit").spec).model
    layer = next(layer for layer in model.layers if layer.name.endswith(POSITIONS_SUFFIX))
    table = layer.get_weights()[0]
    layer.set_weights([np.random.default_rng(0).normal(size=table.shape).astype("float32")])  # not the initial
    assert "MODULES ['keras']" in loads_without_strata(model, tmp_path)


def test_layer_scale_an_adapted_normalization_and_a_shared_layer_load_without_strata(tmp_path):
    from models.graph.spec import ModelSpec

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [6, 6, 3]}, node_id="left")
    spec.add_node("Input", {"shape": [6, 6, 3]}, node_id="right")
    spec.add_node("Normalization", {"mean": [0.5, 0.4, 0.3], "variance": [0.1, 0.2, 0.3]}, ["left"], node_id="norm")
    spec.add_node("Conv2D", {"filters": 4, "kernel_size": 3}, ["norm"], node_id="conv")
    spec.add_node("Conv2D", {"filters": 4, "kernel_size": 3}, ["right"], node_id="conv_call2")
    spec.shared = {"conv_call2": "conv"}
    spec.add_node("Add", {}, ["conv", "conv_call2"], node_id="joined")
    spec.add_node("LayerScale", {"init_values": 0.5, "projection_dim": 4}, ["joined"], node_id="scale")
    stdout = loads_without_strata(build(spec).model, tmp_path)
    assert "MODULES ['keras']" in stdout  # Keras's own LayerScale, from keras.src.applications
