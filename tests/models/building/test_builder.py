"""The Keras builder: every template builds and trains a batch; attention scores can be probed; saves load."""

import keras
import numpy as np
import pytest

from models.building.builder import BuildError, build
from models.checks.validate import validate
from models.graph.spec import ModelSpec
from models.inspection.attention import attention_scores
from models.inspection.probe import Probe
from models.templates import load_template, template_names


def random_batch(model: keras.Model, spec: ModelSpec, size: int = 8):
    rng = np.random.default_rng(0)
    node = spec.node(spec.input_ids()[0])
    shape = (size, *node.effective_params()["shape"])
    if node.effective_params()["dtype"] == "int32":
        x = rng.integers(0, 16, shape).astype("int32")
    else:
        x = rng.random(shape, dtype="float32")
    classes = model.output_shape[-1]
    return x, rng.integers(0, classes, size)


@pytest.mark.parametrize("name", template_names())
def test_template_builds_with_inferred_shapes_and_trains_one_batch(name):
    spec = load_template(name).spec
    report = validate(spec)
    model = build(spec, report).model
    assert model.count_params() == report.total_params
    for node_id, info in report.nodes.items():
        output = model.get_layer(node_id).output
        output = output[0] if isinstance(output, list | tuple) else output
        assert tuple(output.shape[1:]) == info.output_shape
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = random_batch(model, spec)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_probe_returns_every_layer_and_attention_scores_matching_the_layer():
    spec = load_template("vit").spec
    built = build(spec)
    probe = Probe(built.model)
    x, _ = random_batch(built.model, spec, size=1)
    outputs = probe(x[0])
    assert set(outputs) >= {"patches", "classifier", "block1_attention/scores", "block2_attention/scores"}
    scores = attention_scores(outputs, "block1_attention")
    assert scores.shape == (4, 64, 64)  # heads, query patches, key patches
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, rtol=1e-5)
    # Same numbers as the layer's own return_attention_scores on the same input.
    layer = built.model.get_layer("block1_attention")
    normed = keras.Model(built.model.input, built.model.get_layer("block1_norm1").output)(x)
    _, direct = layer(normed, normed, return_attention_scores=True)
    np.testing.assert_allclose(scores, keras.ops.convert_to_numpy(direct)[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs["classifier"], keras.ops.convert_to_numpy(built.model(x))[0], rtol=1e-5)


def test_saved_keras_file_with_strata_layers_loads_and_predicts_the_same(tmp_path):
    spec = load_template("sequence_attention").spec
    model = build(spec).model
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x, _ = random_batch(model, spec, size=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_building_an_invalid_model_gives_the_plain_messages():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [5, 5, 1]})
    spec.append("Conv2D", {"filters": 4, "kernel_size": 7})
    with pytest.raises(BuildError) as info:
        build(spec)
    assert "kernel_size 7x7 is larger than its 5x5 input" in str(info.value)
    assert info.value.problems[0].node == "conv2d_1"
