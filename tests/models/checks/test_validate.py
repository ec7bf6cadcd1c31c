"""Validation: plain messages naming the node and values, fixes that repair, never an exception."""

import pytest

from models.checks.problems import Fix
from models.checks.validate import validate
from models.graph.spec import ModelSpec


def image_model(*layers, shape=(28, 28, 1)) -> ModelSpec:
    spec = ModelSpec()
    spec.add_node("Input", {"shape": list(shape)}, node_id="image")
    for type_name, params in layers:
        spec.append(type_name, params)
    return spec


def only_error(spec):
    report = validate(spec)
    errors = report.errors
    assert len(errors) == 1, [p.message for p in report.problems]
    return errors[0]


def apply_and_revalidate(spec, problem):
    assert isinstance(problem.fix, Fix)
    problem.fix.apply(spec, problem.node)
    return validate(spec)


def test_shapes_params_and_totals_of_a_small_cnn():
    spec = image_model(("Conv2D", {"filters": 8, "kernel_size": 3}), ("MaxPooling2D", {}), ("Flatten", {}),
                       ("Dense", {"units": 10}))
    report = validate(spec)
    assert report.valid
    shapes = [r.output_shape for r in report.nodes.values()]
    assert shapes == [(28, 28, 1), (26, 26, 8), (13, 13, 8), (1352,), (10,)]
    assert report.nodes["conv2d_1"].params == 3 * 3 * 1 * 8 + 8
    assert report.nodes["conv2d_1"].macs == 26 * 26 * 9 * 8
    assert report.total_params == 80 + 1352 * 10 + 10
    values = 28 * 28 + 26 * 26 * 8 + 13 * 13 * 8 + 1352 + 10
    assert report.activation_memory(batch_size=32) == values * 32 * 4


def test_kernel_larger_than_input_is_told_at_kernel_size_with_every_repair_that_applies():
    spec = image_model(("Conv2D", {"filters": 4, "kernel_size": 7}), shape=(5, 5, 3))
    problem = only_error(spec)
    assert problem.message == ("Conv2D 'conv2d_1': kernel_size 7x7 is larger than its 5x5 input: use "
                               "padding='same' or a smaller kernel_size")
    assert problem.node == "conv2d_1" and problem.field == "kernel_size"
    assert [fix.label for fix in problem.fixes] == ["Use padding='same'", "Use kernel_size 5x5"]
    for fix in problem.fixes:  # each one alone repairs the model
        mended = spec.copy()
        fix.apply(mended, problem.node)
        assert validate(mended).valid, fix.label
    assert apply_and_revalidate(spec, problem).valid


def test_a_dilated_kernel_or_a_pool_too_large_offers_the_largest_that_fits():
    dilated = image_model(("Conv2D", {"filters": 4, "kernel_size": 3, "dilation_rate": 3}), shape=(5, 5, 1))
    problem = only_error(dilated)
    assert "kernel_size 7x7 (dilated)" in problem.message
    assert problem.fixes[1].label == "Use kernel_size 2x2"  # 3 * (2 - 1) + 1 = 4 <= 5
    pooled = image_model(("MaxPooling2D", {"pool_size": [6, 2]}), shape=(4, 9, 1))
    problem = only_error(pooled)
    # strides follow the pool size by default, so padding='same' alone would leave strides too large: the
    # smaller pool comes first, and the one-click Fix alone makes the model valid
    assert problem.field == "pool_size" and [f.label for f in problem.fixes][0] == "Use pool_size 4x2"
    assert apply_and_revalidate(pooled, problem).valid


def test_add_with_one_input():
    spec = image_model(("Conv2D", {"filters": 4, "kernel_size": 3}), ("Add", {}))
    problem = only_error(spec)
    assert "Add 'add_1': needs at least 2 inputs, got 1" in problem.message


def test_mismatched_add_suggests_and_applies_a_1x1_conv():
    spec = image_model(("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}),
                       ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same"}), ("Add", {}),
                       shape=(8, 8, 3))
    spec.connect("conv2d_1", "add_1")
    problem = only_error(spec)
    assert problem.message == ("Add 'add_1': Add needs inputs of equal shape (or of size 1 where they differ, "
                               "which stretches), got (8, 8, 64) and (8, 8, 32): insert a 1x1 Conv2D with 64 "
                               "filters after 'conv2d_1'")
    report = apply_and_revalidate(spec, problem)
    assert report.valid and report.nodes["add_1"].output_shape == (8, 8, 64)


@pytest.mark.parametrize("layer, params, field, text", [
    ("Dense", {"units": -3}, "units", "units must be at least 1, got -3"),
    ("Conv2D", {"filters": 8, "kernel_size": 0}, "kernel_size", "kernel_size values must be positive, got 0"),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relux"}, "activation",
     "activation 'relux' is not one of: linear, relu"),
    ("Dropout", {"rate": 1.5}, "rate", "rate must be at most 0.99, got 1.5"),
])
def test_bad_parameter_values_name_node_field_and_value(layer, params, field, text):
    spec = image_model(("Flatten", {}), (layer, params)) if layer in ("Dense", "Dropout") else \
        image_model((layer, params))
    problem = only_error(spec)
    assert problem.field == field
    assert text in problem.message and f"{layer} '" in problem.message


def test_strides_larger_than_input_are_valid_as_in_keras():
    """Keras takes one window at the start and gives 1x1 (checked against Keras in test_rules_real_models_need)."""
    spec = image_model(("Conv2D", {"filters": 4, "kernel_size": 1, "strides": 7}), shape=(5, 5, 1))
    report = validate(spec)
    assert report.valid and report.nodes["conv2d_1"].output_shape == (1, 1, 4)


def test_conv2d_on_a_vector_offers_a_reshape():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [784]})
    spec.append("Conv2D", {"filters": 4, "kernel_size": 3})
    problem = only_error(spec)
    assert problem.message == ("Conv2D 'conv2d_1': needs an image (height, width, channels), got a vector "
                               "(784): insert Reshape to [28, 28, 1]")
    report = apply_and_revalidate(spec, problem)
    assert report.valid and report.nodes["conv2d_1"].output_shape == (26, 26, 4)


def test_lstm_on_an_image_offers_rows_as_time_steps():
    spec = image_model(("LSTM", {"units": 16}))
    problem = only_error(spec)
    assert "LSTM 'lstm_1': needs a sequence (timesteps, features), got an image (28, 28, 1)" in problem.message
    report = apply_and_revalidate(spec, problem)
    assert report.valid and report.nodes["lstm_1"].output_shape == (16,)


def test_dense_on_a_feature_map_is_a_warning_with_flatten_fix():
    spec = image_model(("Conv2D", {"filters": 4, "kernel_size": 3}), ("Dense", {"units": 10}))
    report = validate(spec)
    assert report.valid and len(report.problems) == 1
    warning = report.problems[0]
    assert warning.severity == "warning" and "insert Flatten" in warning.message
    report = apply_and_revalidate(spec, warning)
    assert report.nodes["dense_1"].output_shape == (10,) and not report.problems


def test_layers_after_a_broken_one_stay_quiet():
    spec = image_model(("Conv2D", {"filters": 4, "kernel_size": 40}), ("Flatten", {}), ("Dense", {"units": 3}))
    report = validate(spec)
    assert [p.node for p in report.problems] == ["conv2d_1"]
    assert report.nodes["dense_1"].output_shape is None and not report.valid


def test_graph_level_problems_do_not_raise():
    empty = validate(ModelSpec())
    assert not empty.valid and "no Input layer" in empty.problems[0].message
    spec = image_model(("Flatten", {}), ("Dense", {"units": 3}))
    spec.nodes["flatten_1"].inputs = ["dense_1"]  # a cycle made behind the editor's back
    report = validate(spec)
    assert not report.valid and "cycle" in report.problems[0].message
    spec = image_model(("Dense", {"units": 3}))
    spec.nodes["dense_1"].inputs = ["ghost"]
    assert "'ghost', which does not exist" in validate(spec).problems[0].message
    spec = image_model(("Dense", {"units": 3}))
    spec.nodes["dense_1"].params["unitz"] = 3
    assert "has no parameter 'unitz'" in validate(spec).problems[0].message


def test_reshape_and_merge_messages():
    spec = image_model(("Reshape", {"target_shape": [100, 7]}))
    assert "cannot reshape (28, 28, 1) (784 values) into (100, 7) (700 values)" in only_error(spec).message
    spec = image_model(("Reshape", {"target_shape": [-1, 7]}))
    assert validate(spec).nodes["reshape_1"].output_shape == (112, 7)
