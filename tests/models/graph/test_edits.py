"""The canvas's edits without a canvas: drop targets, clipboard text and paste placement on a real ModelSpec."""

import json

import pytest

from models.graph.edits import (
    CLIPBOARD_KEY,
    DropTarget,
    clipboard_layers,
    copied_text,
    default_target,
    edit_name,
    paste_layers,
)
from models.graph.project import model_from_dict
from models.graph.spec import ModelSpec


def chain() -> ModelSpec:
    spec = ModelSpec(name="chain")
    spec.add_node("Input", {"shape": [8]})
    spec.append("Dense", {"units": 4})
    spec.append("Dense", {"units": 2})
    return spec


def test_each_drop_target_puts_the_layer_where_it_says():
    spec = chain()
    first, second, third = list(spec.nodes)
    after = DropTarget("after", second).apply(spec, "Dropout")
    assert spec.nodes[after].inputs == [second] and spec.nodes[third].inputs == [after]
    before = DropTarget("before", second).apply(spec, "BatchNormalization")
    assert spec.nodes[before].inputs == [first] and spec.nodes[second].inputs == [before]
    end = DropTarget("append").apply(spec, "Activation")
    assert spec.nodes[end].inputs == [third] and spec.output_ids() == [end]
    branch = DropTarget("branch", second).apply(spec, "Dense")
    assert spec.nodes[branch].inputs == [second] and set(spec.output_ids()) == {end, branch}
    start = DropTarget("after", second).apply(spec, "Input")  # an Input always starts a new chain
    assert spec.nodes[start].inputs == []


def test_a_layer_added_without_a_drop_follows_the_selection_else_ends_the_chain():
    spec = chain()
    assert default_target(spec, ["dense_1"]) == DropTarget("after", "dense_1")
    assert default_target(spec, []) == DropTarget("append")
    assert default_target(ModelSpec(), []) == DropTarget("start")


def test_copied_layers_keep_only_the_connections_among_them_and_paste_as_a_stack():
    spec = chain()
    text = copied_text(spec, ["dense_2", "dense_1"])  # selection order does not matter: model order is kept
    layers = clipboard_layers(text)
    assert [layer["id"] for layer in layers] == ["dense_1", "dense_2"]
    assert layers[0]["inputs"] == [] and layers[1]["inputs"] == ["dense_1"]
    new = paste_layers(spec, model_from_dict({"layers": layers}), selected=["dense_2"])
    assert len(new) == 2 and spec.nodes[new[0]].inputs == ["dense_2"] and spec.nodes[new[1]].inputs == [new[0]]
    assert spec.output_ids() == [new[1]]


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", json.dumps({"other": []}),
                                  json.dumps({CLIPBOARD_KEY: [{"id": "x", "type": "NoSuchLayer", "params": {},
                                                               "inputs": []}]}),
                                  json.dumps({CLIPBOARD_KEY: [{"id": "x", "type": "Dense", "params": []}]})])
def test_anything_but_copied_layers_reads_as_nothing_to_paste(text):
    assert clipboard_layers(text) == []


def test_undo_names_list_a_few_layers_and_count_many():
    assert edit_name("Delete", ["a", "b"]) == "Delete a, b"
    assert edit_name("Delete", list("abcd")) == "Delete 4 layers"


def test_new_dense_and_convolution_layers_start_with_relu_and_others_as_keras_makes_them():
    spec = chain()
    dense = DropTarget("after", "dense_1").apply(spec, "Dense")
    conv_spec = ModelSpec()
    conv_spec.add_node("Input", {"shape": [28, 28, 1]})
    conv = DropTarget("append").apply(conv_spec, "Conv2D")
    assert spec.nodes[dense].params["activation"] == "relu" and conv_spec.nodes[conv].params["activation"] == "relu"
    dropout = DropTarget("append").apply(spec, "Dropout")
    assert "activation" not in spec.nodes[dropout].params
    spec.nodes[dense].params["activation"] = "softmax"  # shown and changeable like any parameter
    assert spec.nodes[dense].effective_params()["activation"] == "softmax"
