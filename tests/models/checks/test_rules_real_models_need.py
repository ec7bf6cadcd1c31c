"""The shape rules real networks need, each checked against Keras building the same layer: broadcasting merges
(squeeze-and-excitation), grouped convolutions, strides past a 1x1 input, Embedding on a grid of ids, the
activation layers; and the warnings and defaults that must mean what Keras means."""

from __future__ import annotations

import keras
import pytest

from models.building.builder import build
from models.building.codegen import generate_code
from models.checks.validate import validate
from models.graph.catalog import CATALOG
from models.graph.edits import DropTarget
from models.graph.spec import ModelSpec


def keras_agrees(spec: ModelSpec) -> None:
    report = validate(spec)
    assert report.valid, [p.message for p in report.problems]
    model = build(spec, report).model
    for node_id, info in report.nodes.items():
        layer = model.get_layer(node_id)
        assert tuple(layer.output.shape[1:]) == info.output_shape, node_id
        assert layer.count_params() == info.params, node_id


@pytest.mark.parametrize("merge", ["Add", "Multiply", "Average"])
def test_merges_broadcast_as_keras_does(merge):
    """A squeeze-and-excitation block: (8, 8, 16) times a (1, 1, 16) gate."""
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8, 8, 16]}, node_id="maps")
    spec.add_node("GlobalAveragePooling2D", {"keepdims": True}, ["maps"], node_id="squeeze")
    spec.add_node("Dense", {"units": 16, "activation": "sigmoid"}, ["squeeze"], node_id="gate")
    spec.add_node(merge, {}, ["maps", "gate"], node_id="excite")
    keras_agrees(spec)
    assert validate(spec).nodes["excite"].output_shape == (8, 8, 16)
    spec.add_node("Dense", {"units": 8}, ["maps"], node_id="narrow")
    spec.add_node(merge, {}, ["maps", "narrow"], node_id="wrong")
    message = validate(spec).nodes["wrong"].problems[0].message
    assert "(8, 8, 16) and (8, 8, 8)" in message and "size 1" in message


def test_grouped_convolution_counts_and_refuses_groups_that_do_not_divide():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [10, 10, 8]}, node_id="x")
    spec.append("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 8, "padding": "same"})  # ConvNeXt's depthwise
    spec.append("Conv2D", {"filters": 12, "kernel_size": 1, "groups": 4})
    keras_agrees(spec)
    assert validate(spec).nodes["conv2d_1"].params == 3 * 3 * 1 * 8 + 8
    spec.set_params("conv2d_2", groups=5)
    problem = validate(spec).nodes["conv2d_2"].problems[0]
    assert problem.field == "groups" and "divide both its 8 input channels and its 12 filters" in problem.message


def test_strides_past_the_input_and_embedding_on_a_grid_of_ids():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [1, 1, 4]}, node_id="pixel")
    spec.append("Conv2D", {"filters": 2, "kernel_size": 1, "strides": 2})
    spec.append("MaxPooling2D", {"pool_size": 1, "strides": 3})
    keras_agrees(spec)
    assert validate(spec).nodes["conv2d_1"].output_shape == (1, 1, 2)
    grid = ModelSpec()
    grid.add_node("Input", {"shape": [10, 3], "dtype": "int32"}, node_id="ids")
    grid.append("Embedding", {"input_dim": 20, "output_dim": 8})
    keras_agrees(grid)
    assert validate(grid).nodes["embedding_1"].output_shape == (10, 3, 8)


@pytest.mark.parametrize(("type_name", "params"), [
    ("ReLU", {"max_value": 6.0}), ("ReLU", {"negative_slope": 0.1, "threshold": 0.5}), ("LeakyReLU", {}),
    ("PReLU", {}), ("ELU", {"alpha": 0.5}), ("Softmax", {"axis": 1}),
])
def test_activation_layers_match_keras(type_name, params):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4, 5, 3]}, node_id="x")
    spec.append(type_name, params)
    keras_agrees(spec)
    assert CATALOG[type_name].category == "Activations"


def test_new_activations_are_offered_and_a_bad_softmax_axis_is_named():
    assert {"hard_silu", "hard_swish", "celu", "sparsemax"} <= set(CATALOG["Dense"].param("activation").choices)
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [6]}, node_id="x")
    spec.append("Dense", {"units": 4, "activation": "hard_silu"})
    keras_agrees(spec)
    spec.append("Softmax", {"axis": 3})
    assert "axis 3 is not an axis of its (4) input" in validate(spec).nodes["softmax_1"].problems[0].message


def test_defaults_that_mean_what_keras_means():
    assert "gaussian" not in CATALOG["Resizing"].param("interpolation").choices  # Keras 3 refuses it at the call
    cropping = CATALOG["Cropping2D"].param("cropping")
    assert cropping.normalize(cropping.default) == [[0, 0], [0, 0]]  # Keras's own: nothing cropped
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8, 8, 1]}, node_id="x")
    new = DropTarget("append").apply(spec, "Cropping2D")  # from the palette it starts doing something visible
    assert spec.nodes[new].params["cropping"] == [1, 1]


def test_a_pointwise_dense_is_a_warning_only_where_it_is_the_models_output():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [7, 7, 16]}, node_id="x")
    spec.add_node("Dense", {"units": 64, "activation": "gelu"}, ["x"], node_id="expand")  # ConvNeXt's pointwise
    spec.add_node("Dense", {"units": 16}, ["expand"], node_id="project")
    report = validate(spec)
    assert not report.nodes["expand"].problems
    warning = report.nodes["project"].problems[0]
    assert warning.severity == "warning" and "outputs a map" in warning.message and report.valid
    spec.add_node("GlobalAveragePooling2D", {}, ["project"], node_id="pool")
    assert not validate(spec).problems


def test_exported_code_works_for_layers_named_like_its_imports():
    spec = ModelSpec(name="shadowing")
    spec.add_node("Input", {"shape": [4]}, node_id="keras")
    spec.add_node("Dense", {"units": 3}, ["keras"], node_id="layers")
    spec.add_node("Dense", {"units": 2}, ["layers"], node_id="math")
    namespace: dict = {}
    exec(compile(generate_code(spec), "shadowing.py", "exec"), namespace)  # noqa: S102 (the code it exported)
    model = namespace["build_model"]()
    assert [layer.name for layer in model.layers] == ["keras", "layers", "math"]
    assert isinstance(model, keras.Model)


def test_normalization_counts_its_statistics_as_keras_does_and_adapts_to_the_data():
    import numpy as np

    from datasets.base import Split
    from datasets.statistics import feature_statistics
    from models.graph.edits import adapt_normalization

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [6, 6, 3]}, node_id="x")
    spec.append("Normalization")  # statistics held as weights: 2 x 3 + 1 non-trainable, as Keras has them
    spec.append("Normalization", {"axis": [1, -1]})  # a mean per row and channel: 2 x 18 + 1
    keras_agrees(spec)
    assert validate(spec).nodes["normalization_1"].non_trainable == 7
    data = np.random.default_rng(0).normal(3.0, 2.0, (50, 6, 6, 3)).astype(np.float32)
    mean, variance = feature_statistics(Split(x=data, y=np.zeros(50)))
    reference = keras.layers.Normalization()
    reference.adapt(data)  # Keras's own adapt on the same samples
    np.testing.assert_allclose(mean, np.ravel(reference.mean), rtol=1e-5)
    np.testing.assert_allclose(variance, np.ravel(reference.variance), rtol=1e-4)
    adapt_normalization(spec, "normalization_1", mean, variance)
    keras_agrees(spec)  # constants now: no weights of its own
    assert validate(spec).nodes["normalization_1"].params == 0
    model = build(spec, validate(spec)).model
    normalized = np.asarray(keras.Model(model.inputs[0], model.get_layer("normalization_1").output)(data))
    np.testing.assert_allclose(normalized.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(normalized.std(axis=(0, 1, 2)), 1.0, atol=1e-3)
    assert "layers.Normalization(mean=(" in generate_code(spec)  # the constants travel with the code


@pytest.mark.parametrize(("params", "message"), [
    ({"mean": [0.0, 1.0]}, "mean or a variance but not both"),
    ({"mean": [0.0, 1.0], "variance": [1.0, 1.0]}, "its mean has 2 values but its input has 3 features"),
    ({"axis": [4]}, "axis 4 is not a feature axis"),
    ({"mean": 0.5, "variance": -1.0}, "variance values must be at least 0"),
])
def test_a_normalization_that_cannot_be_says_why(params, message):
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [6, 6, 3]}, node_id="x")
    spec.append("Normalization", params)
    problems = [p.message for p in validate(spec).problems]
    assert any(message in text for text in problems), problems


def test_layer_scale_is_keras_own_and_its_projection_dim_follows_the_channels():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4, 4, 8]}, node_id="x")
    spec.append("LayerScale", {"projection_dim": 8, "init_values": 0.1})
    keras_agrees(spec)
    model = build(spec, validate(spec)).model
    assert type(model.get_layer("layer_scale_1")).__module__ == "keras.src.applications.convnext"
    spec.set_params("layer_scale_1", projection_dim=5)
    (problem,) = validate(spec).problems
    assert problem.fixes[0].label == "Set projection_dim to 8"
    problem.fixes[0].apply(spec, "layer_scale_1")
    assert validate(spec).valid
    code = generate_code(spec)
    assert "from keras.src.applications.convnext import LayerScale" in code and "LayerScale(init_values=0.1" in code
    namespace: dict = {}
    exec(compile(code, "exported.py", "exec"), namespace)  # the exported code runs in plain Keras
    assert namespace["build_model"]().count_params() == 8


def test_a_negative_relu_threshold_is_refused_before_keras_refuses_it():
    """Keras's ReLU raises on a negative threshold at construction; the inspector says so first (found by the
    property test)."""
    from models.checks.validate import validate
    from models.graph.spec import ModelSpec

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]})
    relu = spec.append("ReLU", {"threshold": -0.2})
    report = validate(spec)
    problem = next(p for p in report.errors if p.node == relu)
    assert problem.field == "threshold"


def test_normalization_mean_and_variance_must_have_the_same_form():
    """Keras refuses a scalar mean with a one-element variance list (found by the property test)."""
    from models.checks.validate import validate
    from models.graph.spec import ModelSpec

    for mean, variance, ok in ((0.5, [1.0], False), ([0.5, 0.1], [1.0], False), ([0.5], [1.0], True), (0.5, 2.0, True)):
        spec = ModelSpec()
        spec.add_node("Input", {"shape": [2]})
        layer = spec.append("Normalization", {"mean": mean, "variance": variance})
        problems = [p for p in validate(spec).errors if p.node == layer]
        assert (not problems) == ok, (mean, variance, problems)
        if not ok:
            assert problems[0].field == "variance" and "same form" in problems[0].message
