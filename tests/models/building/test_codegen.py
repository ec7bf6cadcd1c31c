"""Exported Python rebuilds the same model: types, arguments, names, connections, parameters, outputs."""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from models.building.builder import build
from models.building.codegen import generate_code
from models.graph.catalog import CATALOG
from models.templates import load_template, template_names
from tests.model_helpers import spec_for


def load_generated(code: str, path):
    path.write_text(code)
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.build_model()


def without_names(config):
    """Layer configs minus `name` keys (a wrapped layer's name is Keras's automatic one)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    return config


def layer_signature(model):
    """(name, class, config, inbound layer names) for every layer; an operation feeding one (keras.ops.cast...) by
    its class, since Keras numbers operations per process (`cast`, then `cast_1`)."""
    def source(tensor) -> str:
        operation = tensor._keras_history.operation
        return operation.name if isinstance(operation, keras.layers.Layer) else type(operation).__name__

    rows = []
    for layer in model.layers:
        config = without_names(layer.get_config())
        inbound = [source(t) for node in layer._inbound_nodes for t in node.input_tensors]
        rows.append((layer.name, type(layer).__name__, config, inbound))
    return rows


def compare(spec, tmp_path, name="generated"):
    built = build(spec).model
    code = generate_code(spec)
    rebuilt = load_generated(code, tmp_path / f"{name}.py")
    assert layer_signature(rebuilt) == layer_signature(built)
    assert rebuilt.count_params() == built.count_params()
    rebuilt.set_weights(built.get_weights())
    inputs = [np.random.default_rng(1).random((2, *i.shape[1:]), dtype="float32") for i in built.inputs]
    if built.inputs[0].dtype == "int32":
        inputs = [np.random.default_rng(1).integers(0, 10, (2, *built.inputs[0].shape[1:])).astype("int32")]
    inputs = inputs[0] if len(inputs) == 1 else inputs
    np.testing.assert_allclose(np.asarray(rebuilt(inputs, training=False)), np.asarray(built(inputs, training=False)),
                               rtol=1e-5, atol=1e-6)
    return code


@pytest.mark.parametrize("name", template_names())
def test_templates_export_to_equivalent_keras_code(name, tmp_path):
    code = compare(load_template(name).spec, tmp_path, name)
    assert "# -> (None," in code and "import keras" in code


@pytest.mark.parametrize("type_name", [n for n in CATALOG if n not in ("Input",)])
def test_every_layer_type_exports(type_name, tmp_path):
    compare(spec_for(type_name), tmp_path, f"probe_{type_name.lower()}")


def test_exported_file_runs_on_its_own(tmp_path):
    """Standalone: a fresh interpreter with only Keras, Strata not on the path."""
    path = tmp_path / "vit_model.py"
    path.write_text(generate_code(load_template("vit").spec))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["KERAS_BACKEND"] = "tensorflow"
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    from models.checks.validate import validate

    assert f"Total params: {validate(load_template('vit').spec).total_params:,}" in result.stdout  # 90,885


@pytest.mark.parametrize(("training", "optimizer"), [
    ({"epochs": 2, "batch_size": 4, "schedule": "cosine", "early_stopping": True}, "Adam"),
    ({"epochs": 2, "batch_size": 4, "optimizer": "sgd", "momentum": 0.5, "schedule": "step"}, "SGD"),
])
def test_exported_code_compiles_and_fits_with_the_project_settings(tmp_path, training, optimizer):
    """The file's `train()` uses the Training panel's optimizer, schedule, batch size and epochs; the main block
    names the project's data."""
    import importlib.util

    project = load_template("mlp")
    code = generate_code(project.spec, training=training, dataset=project.dataset)
    assert f"keras.optimizers.{optimizer}(" in code and '"spirals"' in code and "# history = train(" in code
    path = tmp_path / "exported.py"
    path.write_text(code)
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    model = module.build_model()
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    history = module.train(model, x, y, validation_data=(x, y))
    assert len(history.history["loss"]) <= 2 and np.isfinite(history.history["loss"]).all()
    assert type(model.optimizer).__name__ == optimizer and "val_accuracy" in history.history
