"""Architecture diff: added, removed and changed layers between two models, defaults filled in."""

from __future__ import annotations

from models.graph.diff import ADDED, CHANGED, architecture_diff
from models.templates import load_template


def test_added_removed_and_changed_layers_with_the_changed_parameters():
    before = load_template("mlp").spec
    after = before.copy()
    after.set_params("dense_1", units=64, activation="tanh")
    after.set_params("dense_2", use_bias=True)  # the default, written out: no change
    from models.graph.spec import LayerNode

    after.nodes["dropout"] = LayerNode("dropout", "Dropout", {"rate": 0.2}, ["dense_2"])
    after.nodes["dense_3"].inputs = ["dropout"]
    diff = architecture_diff(before, after)
    assert diff.added == {"dropout": "Dropout"} and diff.removed == {}
    assert diff.changed == {"dense_1": ["units: 32 → 64", "activation: relu → tanh"],  # in the catalog's order
                            "dense_3": ["inputs: dense_2 → dropout"]}
    assert diff.status("dropout") == ADDED and diff.status("dense_1") == CHANGED and diff.status("points") is None
    backwards = architecture_diff(after, before)
    assert backwards.removed == {"dropout": "Dropout"} and "1 removed: dropout (Dropout)" in backwards.summary()
    assert architecture_diff(before, before.copy()).same


def test_lenet_against_vgg_lists_exactly_the_layers_that_differ():
    diff = architecture_diff(load_template("lenet").spec, load_template("vgg").spec)
    assert set(diff.added) == {"max_pooling2d_1", "conv2d_3", "conv2d_4", "max_pooling2d_2", "dropout_1"}
    assert diff.removed == {"average_pooling2d_1": "AveragePooling2D", "average_pooling2d_2": "AveragePooling2D",
                            "dense_3": "Dense"}
    assert diff.changed == {
        "image": ["shape: [28, 28, 1] → [32, 32, 3]"],
        "conv2d_1": ["filters: 6 → 32", "kernel_size: [5, 5] → [3, 3]"],  # 5 and [5, 5] are one kernel size
        "conv2d_2": ["filters: 16 → 32", "kernel_size: [5, 5] → [3, 3]", "padding: valid → same",
                     "inputs: average_pooling2d_1 → conv2d_1"],  # LeNet leaves padding out: Keras's valid
        "flatten_1": ["inputs: average_pooling2d_2 → max_pooling2d_2"],
        "dense_1": ["units: 120 → 128"],
        "dense_2": ["units: 84 → 5", "activation: relu → softmax", "inputs: dense_1 → dropout_1"],
    }
