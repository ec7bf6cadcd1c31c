"""models/inspection/ against Keras itself: activations, attention, rollout, filters, Grad-CAM, saliency,
predictions and decision boundaries, on the shipped templates with random weights (an untrained model must
work) and on a model reloaded from a `.keras` file."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.base import Preprocessing
from datasets.packaged import sample_photo
from datasets.preprocess import prepare_image
from models.building.builder import build
from models.graph.spec import ModelSpec
from models.inspection.attention import (
    attention_layer_ids,
    attention_rollout,
    attention_scores,
    patch_attention,
    patch_grid,
)
from models.inspection.attribution import GradCam, default_cam_layer, saliency
from models.inspection.availability import unavailable_views
from models.inspection.boundary import decision_boundary, model_predictor, plane_ranges, takes_plane
from models.inspection.filters import conv_layer_ids, filters
from models.inspection.predictions import top_k
from models.inspection.probe import InspectionError, Probe, save_activations
from models.templates import load_template

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def lenet():
    keras.utils.set_random_seed(1)
    return build(load_template("lenet").spec).model


@pytest.fixture(scope="module")
def vit():
    keras.utils.set_random_seed(2)
    return build(load_template("vit").spec).model


@pytest.fixture(scope="module")
def cat_for_lenet() -> np.ndarray:
    image, notes = prepare_image(sample_photo("cat"), Preprocessing(resize=(28, 28), channels=1, rescale=1 / 255))
    assert notes  # the colour photo was converted for the one-channel model
    return image


def test_activations_equal_a_keras_model_of_each_layer(lenet, cat_for_lenet):
    probe = Probe(lenet)
    activations = probe.activations(cat_for_lenet)
    assert [a.layer_id for a in activations] == [layer.name for layer in lenet.layers[1:]]
    for activation in activations:
        expected = keras.Model(lenet.inputs[0], lenet.get_layer(activation.layer_id).output)(cat_for_lenet[None])
        np.testing.assert_allclose(activation.values, np.asarray(expected)[0], rtol=1e-5, atol=1e-6)
    kinds = {a.layer_id: a.kind for a in activations}
    assert kinds["conv2d_1"] == "image" and kinds["flatten_1"] == "vector"
    assert activations[0].channel_stack().shape[0] == lenet.get_layer("conv2d_1").filters


def test_probe_follows_the_weights_it_shares(lenet, cat_for_lenet):
    """The live view relies on this: a probe built once shows the current weights after training steps."""
    probe = Probe(lenet)
    before = probe(cat_for_lenet)["dense_3"]
    layer = lenet.get_layer("dense_3")
    kernel = layer.kernel.numpy()
    layer.kernel.assign(kernel + np.random.default_rng(0).normal(size=kernel.shape).astype(np.float32))
    try:
        assert not np.allclose(probe(cat_for_lenet)["dense_3"], before)
    finally:
        layer.kernel.assign(kernel)


def test_attention_scores_match_the_layer_and_rows_sum_to_one(vit):
    probe = Probe(vit)
    image = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32)
    outputs = probe(image)
    assert attention_layer_ids(probe) == ["block1_attention", "block2_attention"]
    for layer_id, source in (("block1_attention", "block1_norm1"), ("block2_attention", "block2_norm1")):
        scores = attention_scores(outputs, layer_id)
        assert scores.shape == (4, 64, 64)
        np.testing.assert_allclose(scores.sum(axis=-1), 1.0, atol=1e-5)
        query = outputs[source][None]
        _, own = vit.get_layer(layer_id)(query, query, return_attention_scores=True)
        np.testing.assert_allclose(scores, np.asarray(own)[0], rtol=1e-4, atol=1e-6)
    rollout = attention_rollout([attention_scores(outputs, i)
                                            for i in attention_layer_ids(probe)])
    assert rollout.shape == (64, 64)
    np.testing.assert_allclose(rollout.sum(axis=-1), 1.0, atol=1e-5)


def test_rollout_of_identity_attention_is_identity_and_mixes_layers_in_order():
    eye = np.eye(3, dtype=np.float32)[None]
    np.testing.assert_allclose(attention_rollout([eye, eye]), np.eye(3), atol=1e-6)
    first = np.array([[[0, 1, 0], [0, 1, 0], [0, 1, 0]]], dtype=np.float32)  # everyone looks at token 1
    rolled = attention_rollout([first], residual=0.0)
    np.testing.assert_allclose(rolled[:, 1], 1.0)
    with pytest.raises(InspectionError, match="no attention"):
        attention_rollout([])


def test_patch_grid_maps_tokens_to_image_patches():
    grid = patch_grid(64, 32, 32)
    assert (grid.rows, grid.cols, grid.offset) == (8, 8, 0)
    assert grid.patch_at(0.99, 0.0) == 7 and grid.patch_at(0.0, 0.99) == 56
    assert grid.rect01(9) == (1 / 8, 1 / 8, 1 / 8, 1 / 8)
    with_class_token = patch_grid(65, 32, 32)
    assert (with_class_token.rows, with_class_token.offset) == (8, 1)
    wide = patch_grid(32, 32, 64)
    assert (wide.rows, wide.cols) == (4, 8)
    assert patch_grid(7, 32, 32) is None  # 7 tokens are not a square of patches
    matrix = np.zeros((64, 64), dtype=np.float32)
    matrix[9, 10] = 0.5
    heat = patch_attention(matrix, grid, 9)
    assert heat.shape == (8, 8) and heat[1, 2] == 1.0 and heat.sum() == 1.0


def test_grad_cam_has_the_image_size_and_is_non_negative(lenet, cat_for_lenet):
    cam = GradCam(lenet)
    heat, chosen = cam(cat_for_lenet)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() <= 1
    assert 0 <= chosen < 5
    assert default_cam_layer(lenet) == "conv2d_2"
    heat_first, _ = cam(cat_for_lenet, layer_id="conv2d_1", class_index=3)
    assert heat_first.shape == (28, 28) and heat_first.min() >= 0
    with pytest.raises(InspectionError, match="spatial"):
        cam(cat_for_lenet, layer_id="dense_1")


def test_grad_cam_points_at_the_region_each_class_reads():
    """Channel 0 is the image, channel 1 its negative; class 0 scores channel 0 and class 1 channel 1. The heat
    of class 0 must sit on the bright quarter and that of class 1 everywhere else."""
    inputs = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(2, 1, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(conv))
    model.get_layer("conv").set_weights([np.array([[[[1.0, -1.0]]]], np.float32), np.array([0.0, 1.0], np.float32)])
    image = np.zeros((8, 8, 1), np.float32)
    image[:4, :4] = 1.0
    cam = GradCam(model)
    bright, _ = cam(image, layer_id="conv", class_index=0)
    dark, _ = cam(image, layer_id="conv", class_index=1)
    assert bright[:3, :3].min() > 0.9 and bright[5:, 5:].max() < 0.1
    assert dark[5:, 5:].min() > 0.9 and dark[:3, :3].max() < 0.1


def test_saliency_is_an_image_sized_non_negative_map(lenet, cat_for_lenet):
    heat, chosen = saliency(lenet, cat_for_lenet)
    assert heat.shape == (28, 28) and heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    tokens = build(load_template("sequence_attention").spec).model
    with pytest.raises(InspectionError, match="real-valued"):
        saliency(tokens, np.zeros(24, np.int32))


def test_filters_of_first_rgb_layer_are_colour_tiles_and_deeper_ones_per_input(lenet):
    vgg = build(load_template("vgg").spec).model
    first = conv_layer_ids(vgg)[0]
    tiles = filters(vgg, first)
    kernel = vgg.get_layer(first).kernel.numpy()
    assert tiles.rgb and tiles.tiles.shape == (kernel.shape[3], kernel.shape[0], kernel.shape[1], 3)
    assert tiles.tiles.min() >= 0 and tiles.tiles.max() <= 1
    deeper = filters(lenet, "conv2d_2")
    kernel = lenet.get_layer("conv2d_2").kernel.numpy()
    assert not deeper.rgb
    np.testing.assert_array_equal(deeper.tiles[3, 2], kernel[:, :, 2, 3])
    with pytest.raises(InspectionError, match="convolution"):
        filters(lenet, "dense_1")


def test_top_k_reads_softmax_logits_and_sigmoid_outputs():
    names = ["circle", "square", "star"]
    assert top_k(np.array([0.1, 0.7, 0.2]), names, k=2) == [("square", 0.7), ("star", 0.2)]
    logits = top_k(np.array([2.0, -1.0, 0.0]), names)
    assert logits[0][0] == "circle" and sum(p for _, p in logits) == pytest.approx(1.0)
    assert top_k(np.array([0.8]), ["no", "yes"])[0] == ("yes", pytest.approx(0.8))
    assert top_k(np.array([0.5, 0.5]), [])[0][0] == "class 0"


def test_decision_boundary_covers_the_plane_with_probabilities():
    model = build(load_template("mlp").spec).model
    assert takes_plane(model)
    points = np.random.default_rng(0).normal(size=(50, 2))
    x_range, y_range = plane_ranges(points)
    boundary = decision_boundary(model_predictor(model), x_range, y_range, resolution=20)
    assert boundary.probabilities.shape == (20, 20, model.outputs[0].shape[-1])
    np.testing.assert_allclose(boundary.probabilities.sum(axis=-1), 1.0, atol=1e-5)
    binary = decision_boundary(lambda p: (p[:, :1] > 0).astype(np.float32), (-1, 1), (-1, 1), 4)
    assert binary.probabilities.shape == (4, 4, 2)
    assert binary.probabilities[0, 0, 0] == 1.0 and binary.probabilities[0, -1, 1] == 1.0  # x < 0 | x > 0


def test_views_that_do_not_apply_say_why(lenet, vit):
    mlp = build(load_template("mlp").spec).model
    reasons = unavailable_views(mlp)
    assert {"filters", "attention", "grad_cam"} <= set(reasons) and "boundary" not in reasons
    assert "convolution" in reasons["filters"]
    assert set(unavailable_views(lenet)) == {"attention", "boundary"}
    assert "attention" not in unavailable_views(vit)


def test_bad_inputs_are_plain_errors(lenet):
    probe = Probe(lenet)
    with pytest.raises(InspectionError, match="shaped 32x32x3 but the model takes 28x28x1"):
        probe(np.zeros((32, 32, 3), np.float32))
    spec = ModelSpec(name="two_inputs")
    spec.add_node("Input", {"shape": [4]}, node_id="a")
    spec.add_node("Input", {"shape": [4]}, node_id="b")
    spec.add_node("Add", inputs=["a", "b"], node_id="sum")
    with pytest.raises(InspectionError, match="2 inputs"):
        Probe(build(spec).model)


def test_a_reloaded_keras_file_is_inspected_with_its_attention(tmp_path, vit):
    from models.building.export import load_keras, save_keras

    reloaded = load_keras(save_keras(vit, tmp_path / "vit.keras"))
    image = np.random.default_rng(1).random((32, 32, 3), dtype=np.float32)
    original, loaded = Probe(vit)(image), Probe(reloaded)(image)
    assert set(original) == set(loaded)
    np.testing.assert_allclose(loaded["block2_attention/scores"], original["block2_attention/scores"], atol=1e-6)


def test_activations_export_to_npy_and_npz(tmp_path, lenet, cat_for_lenet):
    outputs = Probe(lenet)(cat_for_lenet)
    single = save_activations(tmp_path / "conv.npy", {"conv2d_1": outputs["conv2d_1"]})
    np.testing.assert_array_equal(np.load(single), outputs["conv2d_1"])
    several = save_activations(tmp_path / "all", outputs)
    with np.load(several) as archive:
        assert set(archive.files) == set(outputs)
        np.testing.assert_array_equal(archive["dense_3"], outputs["dense_3"])
