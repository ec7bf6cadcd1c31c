"""The layer catalog: complete, consistent with Keras's own defaults, and every type builds as inferred."""

import keras
import pytest

from models.building.builder import build, keras_arguments, make_layer
from models.checks.validate import validate
from models.graph.catalog import CATALOG, CATEGORIES, KERAS_ARGUMENTS, PALETTE_HIDDEN, by_category
from models.graph.params import range_error, type_error
from models.graph.project import Project
from models.graph.spec import LayerNode
from tests.model_helpers import node_param_count, spec_for

REQUIRED = """Input Dense Activation Dropout Embedding Conv1D Conv2D Conv2DTranspose SeparableConv2D DepthwiseConv2D
MaxPooling1D MaxPooling2D AveragePooling1D AveragePooling2D GlobalAveragePooling1D GlobalAveragePooling2D
GlobalMaxPooling1D GlobalMaxPooling2D MultiHeadAttention Attention BatchNormalization LayerNormalization Flatten
Reshape Permute UpSampling2D ZeroPadding2D Cropping2D Add Concatenate Multiply Average LSTM GRU SimpleRNN
Bidirectional SpatialDropout2D GaussianNoise Rescaling Resizing RandomFlip RandomRotation RandomZoom
RandomTranslation RandomContrast PositionEmbedding""".split()

LAYER_TYPES = [name for name in CATALOG if name != "Input"]


def test_every_required_layer_type_is_in_the_catalog():
    assert set(REQUIRED) <= set(CATALOG)


def test_entries_are_complete():
    assert sum(len(group) for group in by_category().values()) == len(CATALOG) - len(PALETTE_HIDDEN)
    assert CATEGORIES[0] == "Input"
    for kind in CATALOG.values():
        assert len(kind.teaching) > 30, kind.name
        assert kind.min_inputs <= kind.max_inputs
        for param in kind.params:
            assert param.help, (kind.name, param.name)
            assert type_error(param, param.default) is None, (kind.name, param.name)
            assert range_error(param, param.default) is None, (kind.name, param.name)


@pytest.mark.parametrize("type_name", [n for n in LAYER_TYPES if CATALOG[n].module == "keras.layers"])
def test_catalog_defaults_are_keras_defaults(type_name):
    """A parameter left at its default is omitted from files and code, so it must mean what Keras means."""
    kind = CATALOG[type_name]
    required = {p.name for p in kind.params if p.required}
    arguments = keras_arguments(LayerNode("probe", type_name, {}))
    if type_name == "Bidirectional":
        arguments["layer"] = make_layer(LayerNode("inner", "LSTM", {"units": 4}))
    layer = getattr(keras.layers, type_name)(**{k: v for k, v in arguments.items() if k in required})
    config = layer.get_config()
    for param in kind.params:
        if param.required or param.default is None or param.name not in config \
                or isinstance(config[param.name], dict):
            continue  # None defaults are resolved by Keras (strides=None -> pool_size)
        keras_value = config[param.name]
        if param.name == "activation" and keras_value is None:
            keras_value = "linear"
        assert param.normalize(keras_value) == param.normalize(param.default), (type_name, param.name)


@pytest.mark.parametrize("type_name", [n for n in LAYER_TYPES if CATALOG[n].module == "keras.layers"])
def test_kept_keras_arguments_are_ones_the_keras_class_takes(type_name):
    """`keras_arguments` offers exactly the initializer, regularizer and constraint arguments (and the few other
    shape-neutral ones) that the Keras class's constructor accepts."""
    import inspect

    accepted: set[str] = set()
    for klass in getattr(keras.layers, type_name).__mro__:  # its own arguments, and its bases' where it passes **kwargs
        if "__init__" in klass.__dict__:
            parameters = inspect.signature(klass.__init__).parameters
            accepted |= set(parameters)
            if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
                break
    kind = CATALOG[type_name]
    if KERAS_ARGUMENTS not in kind.param_index:
        assert "activity_regularizer" not in accepted and "trainable" not in accepted
        return
    offered = set(kind.param(KERAS_ARGUMENTS).choices)
    assert offered <= accepted, offered - accepted
    assert "trainable" in accepted and "trainable" in kind.param_index
    neutral = {n for n in accepted if n.endswith(("_initializer", "_regularizer", "_constraint"))}
    assert neutral <= offered, neutral - offered


@pytest.mark.parametrize("type_name", LAYER_TYPES)
def test_each_type_round_trips_and_builds_with_the_inferred_shapes(type_name, tmp_path):
    spec = spec_for(type_name)
    path = tmp_path / "one.strata.json"
    Project(spec=spec).save(path)
    loaded = Project.load(path).spec
    assert loaded.nodes.keys() == spec.nodes.keys()
    assert all(loaded.nodes[n].effective_params() == spec.nodes[n].effective_params() for n in spec.nodes)

    report = validate(loaded)
    assert report.valid, [p.message for p in report.problems]
    model = build(loaded, report).model
    for node_id, info in report.nodes.items():
        layer = model.get_layer(node_id)
        output = layer.output[0] if isinstance(layer.output, list | tuple) else layer.output  # attention: scores
        assert tuple(output.shape[1:]) == info.output_shape, node_id
        assert node_param_count(model, node_id) == info.params, node_id
    assert model.count_params() == report.total_params
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert trainable == report.trainable_params

