"""Property-based: thousands of random graphs and parameters.

Validation never raises; and wherever it says "valid", Keras builds the model with exactly the inferred
output shapes and parameter counts.
"""

import keras
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models.building.builder import build
from models.checks.validate import validate
from models.graph.catalog import CATALOG, PALETTE_HIDDEN, Param
from models.graph.spec import ModelSpec
from tests.model_helpers import node_param_count

TYPES = sorted(name for name in CATALOG if name not in ("Input", *PALETTE_HIDDEN))  # imported layers: own tests
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def value_for(param: Param, draw):
    kind = param.kind
    if kind == "int":
        return draw(st.one_of(st.integers(1, 8), st.integers(-2, 20)))
    if kind == "float":
        return draw(st.sampled_from([0.0, 0.1, 0.5, 0.99, 1.5, -0.2]))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "choice":
        return draw(st.sampled_from([*param.choices, "bogus"]))
    if kind in ("int_tuple", "optional_tuple"):
        options = [st.integers(0, 5), st.lists(st.integers(0, 5), min_size=param.length, max_size=param.length)]
        if kind == "optional_tuple":
            options.append(st.none())
        return draw(st.one_of(*options))
    if kind == "optional_float":
        return draw(st.one_of(st.none(), st.sampled_from([0.0, 1.0, 6.0])))
    if kind == "optional_int":
        return draw(st.one_of(st.none(), st.integers(0, 8)))
    if kind == "optional_floats":
        return draw(st.one_of(st.none(), st.sampled_from([0.5, 2.0, -1.0]),
                              st.lists(st.sampled_from([0.0, 1.0, 4.0]), min_size=1, max_size=4)))
    if kind == "padding2d":
        return draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=2, max_size=2)))
    if kind == "shape":
        return draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6, 8, 16]), min_size=1, max_size=3))
    if kind == "int_list":
        return draw(st.one_of(st.permutations([1, 2]), st.permutations([1, 2, 3]),
                              st.lists(st.integers(0, 3), min_size=1, max_size=3)))
    if kind == "float_range":
        return draw(st.one_of(st.sampled_from([0.0, 0.1, 0.3]), st.just([-0.2, 0.2])))
    if kind == "keras_arguments":
        l2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": None}
        return draw(st.sampled_from([{}, {"activity_regularizer": l2}, {"kernel_regularizer": l2}]))
    if kind == "recurrent_layer":
        return {"class_name": draw(st.sampled_from(param.choices)),
                "config": {"units": draw(st.integers(1, 6)), "return_sequences": draw(st.booleans())}}
    raise AssertionError(kind)


@st.composite
def random_specs(draw) -> ModelSpec:
    spec = ModelSpec(name="random")
    rank = draw(st.sampled_from([1, 2, 3]))
    shape = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    dtype = draw(st.sampled_from(["float32", "float32", "int32"])) if rank == 1 else "float32"
    ids = [spec.add_node("Input", {"shape": shape, "dtype": dtype}, node_id="x")]
    for _ in range(draw(st.integers(1, 6))):
        last = validate(spec).nodes[ids[-1]].output_shape
        if last is None:
            break  # already broken: more layers add nothing
        fitting = [t for t in TYPES if CATALOG[t].input_ranks is None or len(last) in CATALOG[t].input_ranks]
        type_name = draw(st.sampled_from(fitting if draw(st.integers(0, 4)) else TYPES))
        kind = CATALOG[type_name]
        params = {p.name: value_for(p, draw) for p in kind.params if p.required or draw(st.integers(0, 3)) == 0}
        if type_name == "Embedding":
            params["input_dim"] = draw(st.integers(13, 20))  # ids stay below it (Keras does not check)
        inputs = [ids[-1]]
        if kind.max_inputs > 1 and draw(st.booleans()):
            inputs.append(draw(st.sampled_from(ids)))
        ids.append(spec.add_node(type_name, params, inputs))
    return spec


@settings(max_examples=3000, **SETTINGS)
@given(random_specs())
def test_validation_never_raises(spec):
    report = validate(spec)
    assert isinstance(report.valid, bool)
    for problem in report.problems:
        assert problem.message and "Traceback" not in problem.message


@settings(max_examples=500, **SETTINGS)
@given(random_specs())
def test_valid_means_keras_builds_with_the_inferred_shapes_and_counts(spec):
    report = validate(spec)
    event("valid" if report.valid else "invalid")
    if not report.valid:
        return
    keras.backend.clear_session()
    model = build(spec, report).model
    for node_id, info in report.nodes.items():
        output = model.get_layer(node_id).output
        output = output[0] if isinstance(output, list | tuple) else output
        assert tuple(output.shape[1:]) == info.output_shape, (node_id, spec.nodes[node_id])
        assert node_param_count(model, node_id) == info.params, (node_id, spec.nodes[node_id])
    assert model.count_params() == report.total_params
