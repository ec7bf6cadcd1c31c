"""Transfer learning: an imported network's layers frozen up to a point, its classifier resized for the data, and a
new run that starts from the imported weights: the frozen layers (and BatchNormalization's statistics) stay as
they were, the new head learns."""

from __future__ import annotations

import keras
import numpy as np
from PIL import Image

from datasets.image_folder import load_image_folder
from models.building.import_project import import_keras_file
from models.checks.validate import validate
from models.graph.edits import freeze_up_to, unfreeze_all
from models.training.config import TrainingConfig
from models.training.trainer import Trainer


def image_folder(root, classes=("cats", "dogs"), count=12):
    rng = np.random.default_rng(0)
    for index, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 80, (40, 40, 3)) + 120 * index
            Image.fromarray(pixels.astype(np.uint8)).save(root / name / f"{i}.png")
    return root


def test_a_frozen_mobilenetv2_fine_tunes_its_new_head_on_an_image_folder(tmp_path):
    network = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=10)
    network.save(tmp_path / "mobilenet.keras")
    imported = import_keras_file(tmp_path / "mobilenet.keras")
    spec = imported.project.spec
    head = spec.outputs[0]
    (backbone_end,) = spec.nodes[head].inputs  # the pooled features
    frozen = freeze_up_to(spec, backbone_end)
    assert "Conv1" in frozen and "bn_Conv1" in frozen and head not in frozen
    data = load_image_folder(str(image_folder(tmp_path / "pets")), image_size=32, validation_split=0.25)
    spec.set_params(head, units=data.info.num_classes)  # the classifier for this dataset (Adapt does the same)
    report = validate(spec)
    assert report.valid and report.trainable_params == 1280 * 2 + 2  # only the new head learns

    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in imported.model.layers}
    result = Trainer(spec, data, TrainingConfig(epochs=1, batch_size=6, learning_rate=0.01),
                     start_from=imported.model).run()
    assert result.ok, result.error
    trained = result.model
    for name in ("Conv1", "bn_Conv1", "block_16_project_BN"):  # kernels and moving statistics unchanged
        for kept, now in zip(before[name], trained.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(kept, now)
    assert trained.get_layer(head).get_weights()[0].shape == (1280, 2)
    assert set(unfreeze_all(spec)) == set(frozen)
    moving = sum(int(np.prod(w.shape)) for w in trained.weights if "moving" in w.path)
    assert validate(spec).non_trainable_params == moving  # all train again but BatchNormalization's statistics


def test_warm_start_copies_the_layers_whose_weights_fit():
    from models.building.builder import build
    from models.graph.spec import ModelSpec
    from models.training.warm_start import warm_start

    inputs = keras.Input((4,), name="x")
    source = keras.Model(inputs, keras.layers.Dense(3, name="dense_1")(keras.layers.Dense(5, name="hidden")(inputs)))
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]}, node_id="x")
    spec.add_node("Dense", {"units": 5}, ["x"], node_id="hidden")
    spec.add_node("Dense", {"units": 2}, ["hidden"], node_id="dense_1")  # resized: not copied
    model = build(spec).model
    copied, fresh = warm_start(model, source)
    assert copied == ["hidden"] and fresh == ["dense_1"]
    np.testing.assert_array_equal(model.get_layer("hidden").get_weights()[0],
                                  source.get_layer("hidden").get_weights()[0])
