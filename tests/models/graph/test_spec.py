"""Graph edits keep the model consistent: stacks stay whole, cycles are refused, copies are independent."""

import pytest

from models.graph.spec import GraphError, ModelSpec


def stack() -> ModelSpec:
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [8]}, node_id="x")
    for name in ("a", "b", "c"):
        spec.add_node("Dense", {"units": 4}, [spec.output_ids()[-1] if spec.output_ids() else "x"], node_id=name)
    return spec


def chain(spec: ModelSpec) -> list[str]:
    """Follow the first consumer from the Input: the order of a stack."""
    order, current = [], spec.input_ids()[0]
    while True:
        order.append(current)
        consumers = spec.consumers(current)
        if not consumers:
            return order
        current = consumers[0]


def test_append_builds_a_stack_and_ids_follow_keras_names():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [28, 28, 1]})
    first = spec.append("Conv2D")
    second = spec.append("Conv2D")
    spec.append("SimpleRNN")
    assert (first, second) == ("conv2d_1", "conv2d_2")
    assert chain(spec) == ["input_1", "conv2d_1", "conv2d_2", "simple_rnn_1"]


def test_insert_between_and_after():
    spec = stack()
    new = spec.insert_between("a", "b", "Dropout", {"rate": 0.2})
    assert chain(spec) == ["x", "a", new, "b", "c"]
    after = spec.insert_after("c", "Dense", {"units": 2})
    assert chain(spec)[-1] == after and spec.output_ids() == [after]
    before = spec.insert_before("a", "GaussianNoise", {"stddev": 0.1})
    assert chain(spec)[:3] == ["x", before, "a"]


def test_remove_rewires_the_stack():
    spec = stack()
    spec.remove("b")
    assert chain(spec) == ["x", "a", "c"]
    assert spec.node("c").inputs == ["a"]


def test_move_reorders_and_rewires_both_places():
    spec = stack()
    spec.move("a", after="c")
    assert chain(spec) == ["x", "b", "c", "a"]
    with pytest.raises(GraphError):
        spec.move("x", after="c")


def test_connect_makes_skip_connections_and_refuses_cycles():
    spec = stack()
    add = spec.insert_after("c", "Add")
    spec.connect("a", add)
    assert spec.node(add).inputs == ["c", "a"]
    with pytest.raises(GraphError, match="cycle"):
        spec.connect("c", "a")
    with pytest.raises(GraphError, match="at most 1"):
        spec.connect("a", "c")
    spec.disconnect("a", add)
    assert spec.node(add).inputs == ["c"]


def test_attention_ports_by_position():
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [10, 8]}, node_id="q")
    spec.add_node("Input", {"shape": [12, 8]}, node_id="v")
    mha = spec.add_node("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, ["q"])
    spec.connect("v", mha)
    assert spec.node(mha).inputs == ["q", "v"]  # query, value
    spec.connect("q", mha, port=1)  # replace the value port
    assert spec.node(mha).inputs == ["q", "q"]


def test_duplicate_inserts_a_copy_after():
    spec = stack()
    copy_id = spec.duplicate("b")
    assert chain(spec) == ["x", "a", "b", copy_id, "c"]
    assert spec.node(copy_id).params == spec.node("b").params
    spec.node(copy_id).params["units"] = 99
    assert spec.node("b").params["units"] == 4


def test_rename_updates_references_and_rejects_bad_names():
    spec = stack()
    spec.rename("b", "hidden")
    assert spec.node("c").inputs == ["hidden"]
    with pytest.raises(GraphError):
        spec.rename("c", "a")
    with pytest.raises(GraphError):
        spec.rename("c", "1bad name")


def test_copy_is_independent_and_topological_order_detects_cycles():
    spec = stack()
    snapshot = spec.copy()
    spec.remove("b")
    assert "b" in snapshot and snapshot.node("c").inputs == ["b"]
    spec.nodes["a"].inputs = ["c"]  # force a cycle past the editing API
    with pytest.raises(GraphError, match="cycle"):
        spec.topological_order()


def test_unknown_node_is_a_graph_error():
    with pytest.raises(GraphError, match="no layer 'nope'"):
        stack().node("nope")


def test_same_model_ignores_a_parameter_set_to_its_default_and_sees_every_real_change():
    from models.graph.spec import same_model

    spec = ModelSpec()
    spec.add_node("Input", {"shape": [4]}, node_id="x")
    spec.append("Dense", {"units": 4})
    other = spec.copy()
    other.set_params("dense_1", activation="linear")  # Keras's default, said out loud
    assert same_model(spec, other)
    other.set_params("dense_1", activation="relu")
    assert not same_model(spec, other)
    renamed = spec.copy()
    renamed.rename("dense_1", "head")
    assert not same_model(spec, renamed)
    grouped = spec.copy()
    grouped.groups = {"dense_1": "inner"}
    assert not same_model(spec, grouped)


def test_a_shared_layer_follows_renames_and_outlives_its_first_call():
    from models.checks.validate import validate

    spec = ModelSpec()
    for name in ("a", "b", "c"):
        spec.add_node("Input", {"shape": [4]}, node_id=name)
    spec.add_node("Dense", {"units": 3}, ["a"], node_id="enc")
    spec.add_node("Dense", {"units": 3}, ["b"], node_id="enc_2")
    spec.add_node("Dense", {"units": 3}, ["c"], node_id="enc_3")
    spec.add_node("Concatenate", {}, ["enc", "enc_2", "enc_3"], node_id="joined")
    spec.shared = {"enc_2": "enc", "enc_3": "enc"}
    assert validate(spec).total_params == 15  # one layer's weights
    spec.rename("enc", "encoder")
    assert spec.shared == {"enc_2": "encoder", "enc_3": "encoder"}
    spec.remove("encoder")  # the next call keeps the weights, the last call shares its layer now
    assert spec.shared == {"enc_3": "enc_2"} and validate(spec).total_params == 15
    spec.set_params("enc_3", units=5)
    (problem,) = validate(spec).problems
    assert "calls the layer 'enc_2' again" in problem.message and problem.fix.label == "Use enc_2's settings"
    problem.fix.apply(spec, "enc_3")
    assert validate(spec).valid
