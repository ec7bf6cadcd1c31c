"""Keras models in: files the tests make with plain Keras become Strata graphs whose shapes, parameter counts and
layer outputs equal Keras's on the same input; what cannot come in is refused with the layer's name and class."""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest

from models.building.builder import build
from models.building.codegen import generate_code
from models.building.import_project import IMPORT_RUN_ID, IMPORTED, import_keras_file, project_from_keras
from models.building.keras_import import import_model, transfer_weights
from models.checks.validate import validate
from models.graph.catalog import KERAS_ARGUMENTS, KERAS_LAYER
from models.graph.project import KerasImportError, Project
from models.inspection.probe import Probe


def same_as_keras(original: keras.Model, inputs) -> tuple:
    """Import `original`, build Strata's model with its weights; assert shapes, counts and outputs are Keras's."""
    imported = import_model(original)
    report = validate(imported.spec)
    assert report.valid, [p.message for p in report.problems]
    assert report.total_params == original.count_params()
    built = build(imported.spec, report).model
    transfer_weights(imported, built)
    expected, got = original(inputs), built(inputs)
    expected = expected if isinstance(expected, list | tuple) else [expected]
    got = got if isinstance(got, list | tuple) else [got]
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(np.asarray(have), np.asarray(want), atol=1e-5)
    for node_id, live in imported.sources.items():  # every layer's own output shape, as Keras has it
        assert list(report.nodes[node_id].output_shape) == list(live.output.shape[1:]), node_id
        assert report.nodes[node_id].params == live.count_params(), node_id
    return imported, built


def test_a_functional_model_with_branches_comes_in_as_catalog_layers():
    image = keras.Input((12, 12, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(image)
    x = keras.layers.BatchNormalization(axis=3, name="bn")(x)  # axis=3: Keras's default axis said another way
    left = keras.layers.Conv2D(8, 1, name="left")(x)
    x = keras.layers.Add(name="residual")([x, left])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    out = keras.layers.Dense(4, activation="softmax", kernel_regularizer=keras.regularizers.L2(1e-3),
                             name="classes")(x)
    model = keras.Model(image, out, name="branches")
    imported, _ = same_as_keras(model, np.random.default_rng(0).random((2, 12, 12, 3), np.float32))
    spec = imported.spec
    assert not imported.kept_as_keras
    assert [spec.nodes[n].type for n in spec.nodes] == ["Input", "Conv2D", "BatchNormalization", "Conv2D", "Add",
                                                        "GlobalAveragePooling2D", "Dense"]
    assert spec.nodes["residual"].inputs == ["bn", "left"] and spec.outputs == ["classes"]
    assert spec.nodes["classes"].params[KERAS_ARGUMENTS]["kernel_regularizer"]["class_name"] == "L2"


def test_sequential_nested_multi_input_multi_output_and_operations():
    keras.backend.clear_session()  # Keras names operations by a global count: `multiply`, not `multiply_3`
    inner = keras.Sequential([keras.layers.Dense(4, activation="relu", name="d1"), keras.layers.Dense(3, name="d2")],
                             name="inner")
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    x = keras.layers.Dense(8, name="dense")(a)
    summed = x + b  # recorded by Keras as an operation, not a layer
    scaled = summed * 2.0
    out = inner(scaled)
    model = keras.Model([a, b], [out, scaled], name="outer")
    rng = np.random.default_rng(1)
    imported, built = same_as_keras(model, [rng.random((2, 8), np.float32), rng.random((2, 8), np.float32)])
    spec = imported.spec
    assert spec.input_ids() == ["a", "b"] and spec.outputs == ["d2", "multiply"]
    assert imported.groups == {"d1": "inner", "d2": "inner"}  # the nested model's layers, opened up
    assert spec.nodes["d1"].inputs == ["multiply"]
    kept = {spec.nodes[n].params["layer"]["class_name"] for n in imported.kept_as_keras}
    assert kept == {"Add", "Multiply"}  # the operations, kept as Keras describes them
    assert spec.nodes["multiply"].params["layer"]["call"]["args"] == [{"__input__": 0}, 2.0]
    sequential = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3), keras.layers.ReLU(6.0),
                                   keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)], name="seq")
    same_as_keras(sequential, rng.random((2, 16, 16, 3), np.float32))


def test_a_setting_the_catalog_cannot_hold_keeps_the_layer_as_keras_describes_it():
    inputs = keras.Input((5, 10), name="x")
    out = keras.layers.Dense(6, name="plain")(inputs)
    out = keras.layers.LayerNormalization(axis=1, name="over_time")(out)  # not the last axis: no field for that
    model = keras.Model(inputs, out)
    imported, _ = same_as_keras(model, np.random.default_rng(4).random((1, 5, 10), np.float32))
    assert imported.spec.nodes["plain"].type == "Dense"
    assert imported.kept_as_keras == ["over_time"] and imported.spec.nodes["over_time"].type == KERAS_LAYER
    assert validate(imported.spec).nodes["over_time"].params == 2 * 5  # gamma and beta over the 5 steps


def test_an_imported_project_saves_reloads_exports_and_trains_after_an_edit(tmp_path):
    from datasets.generated import load_shapes
    from models.building.export import load_keras
    from models.training.config import TrainingConfig
    from models.training.run_models import run_model_path, write_run_models
    from models.training.trainer import Trainer

    inputs = keras.Input((16, 16, 1), name="pixels")
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.ReLU(max_value=6.0, name="relu6")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="classes")(x), name="small")
    model.save(tmp_path / "small.keras")
    imported = import_keras_file(tmp_path / "small.keras")
    project, record = imported.project, imported.record
    assert record["id"] == IMPORT_RUN_ID and record["status"] == IMPORTED and project.name == "small"
    sample = np.random.default_rng(2).random((1, 16, 16, 1), np.float32)
    np.testing.assert_allclose(imported.model(sample), model(sample), atol=1e-6)

    path = tmp_path / "small.strata.json"
    record["model_file"] = write_run_models(path, project.runs, {IMPORT_RUN_ID: imported.model})[IMPORT_RUN_ID]
    project.save(path)
    again = Project.load(path)
    assert again.spec.nodes["relu6"].effective_params() == project.spec.nodes["relu6"].effective_params()
    reloaded = load_keras(run_model_path(path, again.runs[-1]["model_file"]))
    np.testing.assert_allclose(reloaded(sample), model(sample), atol=1e-6)
    assert Probe(reloaded)(sample[0])["relu6"].shape == (14, 14, 4)

    code = generate_code(again.spec)  # the imported layer rebuilt from Keras's own description
    namespace: dict = {}
    exec(compile(code, "exported.py", "exec"), namespace)  # noqa: S102 (the test runs the code it exported)
    assert namespace["build_model"]().count_params() == model.count_params()

    data = load_shapes(size=16, count_per_class=10)
    classes = data.info.num_classes
    again.spec.set_params("classes", units=classes)  # the user edits the classifier, then trains a step
    result = Trainer(again.spec, data, TrainingConfig(epochs=1, batch_size=8, steps_per_epoch=2)).run()
    assert result.ok, result.error
    assert result.model.get_layer("classes").units == classes


def write_bytes(path, data: bytes):
    path.write_bytes(data)
    return path


def test_files_that_cannot_come_in_say_why(tmp_path):
    good = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    good.save(tmp_path / "good.keras")
    whole = (tmp_path / "good.keras").read_bytes()
    cases = {
        write_bytes(tmp_path / "cut.keras", whole[: len(whole) // 2]): "not a Keras model file",
        write_bytes(tmp_path / "text.keras", b"hello, this is not a model"): "not a Keras model file",
        write_bytes(tmp_path / "empty.keras", b""): "empty",
        tmp_path / "missing.keras": "no file",
        write_bytes(tmp_path / "notes.txt", b"{}"): "not a Keras model file",
    }
    for path, reason in cases.items():
        with pytest.raises(KerasImportError, match=reason):
            import_keras_file(path)


def edited_keras_file(tmp_path, name: str, edit) -> object:
    """A small model's `.keras` file with its config.json and metadata.json changed by `edit(config, metadata)`."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="head")])
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as source:
        parts = {part: source.read(part) for part in source.namelist()}
    config, metadata = json.loads(parts["config.json"]), json.loads(parts["metadata.json"])
    edit(config, metadata)
    parts.update({"config.json": json.dumps(config).encode(), "metadata.json": json.dumps(metadata).encode()})
    with zipfile.ZipFile(tmp_path / name, "w") as target:
        for part, data in parts.items():
            target.writestr(part, data)
    return tmp_path / name


def test_an_unknown_class_is_named(tmp_path):
    def fancy(config, _metadata):
        config["config"]["layers"][-1]["class_name"] = "FancyDense"
        config["config"]["layers"][-1]["module"] = "my_lab.layers"

    with pytest.raises(KerasImportError, match="FancyDense"):
        import_keras_file(edited_keras_file(tmp_path, "custom.keras", fancy))


def test_a_lambda_is_refused_with_the_layer_named(tmp_path):
    inputs = keras.Input((4,))
    doubled = keras.layers.Lambda(lambda t: t * 2, name="double")(inputs)
    keras.Model(inputs, doubled).save(tmp_path / "lambda.keras")
    with pytest.raises(KerasImportError, match="Lambda"):
        import_keras_file(tmp_path / "lambda.keras")


def test_a_shared_layer_used_twice_keeps_one_set_of_weights(tmp_path):
    encoder = keras.layers.Dense(4, activation="relu", name="encoder")  # a siamese network's one encoder
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    left, right = encoder(a), encoder(b)
    joined = keras.layers.Concatenate(name="joined")([left, right])
    model = keras.Model([a, b], [keras.layers.Dense(1, name="same")(joined), right], name="siamese")
    model.save(tmp_path / "siamese.keras")
    rng = np.random.default_rng(4)
    imported, built = same_as_keras(keras.saving.load_model(tmp_path / "siamese.keras"),
                                    [rng.random((3, 6), np.float32), rng.random((3, 6), np.float32)])
    spec = imported.spec
    assert spec.shared == {"encoder_call2": "encoder"} and spec.nodes["encoder_call2"].inputs == ["b"]
    assert spec.outputs == ["same", "encoder_call2"]
    assert validate(spec).nodes["encoder_call2"].params == 0  # counted once, at the first call, as Keras does
    assert [layer.name for layer in built.layers].count("encoder") == 1
    code = generate_code(spec)  # the exported code makes the layer once and calls it twice
    assert "encoder_layer = layers.Dense(" in code and "encoder_call2 = encoder_layer(b)" in code
    namespace: dict = {}
    exec(compile(code, "exported.py", "exec"), namespace)
    assert namespace["build_model"]().count_params() == model.count_params()
    again = Project.from_json(Project(spec=spec).to_json()).spec  # kept in the project file
    assert again.shared == spec.shared


def test_a_shared_layer_of_a_kind_kept_as_keras_configuration_is_refused():
    shared = keras.layers.UnitNormalization(name="unit")  # no catalog entry: it would be a KerasLayer
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    model = keras.Model([a, b], keras.layers.Add()([shared(a), shared(b)]))
    with pytest.raises(KerasImportError, match="'unit' \\(UnitNormalization\\) is used 2 times"):
        import_model(model)


def test_an_application_imports_with_keras_parameter_count_and_imported_outputs():
    model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=4, alpha=0.35)
    imported = project_from_keras(model, "test")
    sample = np.random.default_rng(3).random((1, 32, 32, 3), np.float32)
    np.testing.assert_allclose(imported.model(sample), model(sample), atol=1e-5)
    report = validate(imported.project.spec)
    assert report.total_params == model.count_params()
    assert imported.summary().startswith(f"Imported {model.name}: {len(imported.project.spec)} layers")


def test_a_layer_type_that_takes_no_extra_arguments_keeps_its_own_settings():
    inputs = keras.Input((6, 6, 4), name="maps")
    out = keras.layers.SpatialDropout2D(0.3, seed=7, name="drop")(inputs)  # seed: not a field of SpatialDropout2D
    imported, _ = same_as_keras(keras.Model(inputs, out), np.ones((1, 6, 6, 4), np.float32))
    assert imported.spec.nodes["drop"].type == KERAS_LAYER  # kept whole, as Keras describes it


def test_a_file_from_a_newer_keras_that_this_one_cannot_read_says_so(tmp_path):
    def future(config, metadata):
        config["config"]["layers"][-1]["config"]["sparsity"] = 0.5  # an argument this Keras does not know
        metadata["keras_version"] = "9.1.0"

    with pytest.raises(KerasImportError, match=r"written by Keras 9\.1\.0, newer than the Keras 3\."):
        import_keras_file(edited_keras_file(tmp_path, "future.keras", future))


def test_normalization_and_layer_scale_come_in_as_catalog_layers_with_their_weights():
    from keras.src.applications.convnext import LayerScale

    image = keras.Input((8, 8, 3), name="image")
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(np.random.default_rng(2).normal(5.0, 3.0, (20, 8, 8, 3)).astype(np.float32))  # stats in its weights
    x = norm(image)
    x = keras.layers.Conv2D(6, 3, padding="same", name="conv")(x)
    x = LayerScale(0.5, 6, name="scale")(x)  # ConvNeXt's own layer
    fixed = keras.layers.Normalization(mean=[1.0], variance=[4.0], name="fixed")(x)
    model = keras.Model(image, fixed, name="normalized")
    imported, _ = same_as_keras(model, np.random.default_rng(3).random((2, 8, 8, 3), np.float32))
    spec = imported.spec
    assert not imported.kept_as_keras
    assert [spec.nodes[n].type for n in ("norm", "scale", "fixed")] == ["Normalization", "LayerScale", "Normalization"]
    assert (spec.nodes["scale"].params["init_values"], spec.nodes["scale"].params["projection_dim"]) == (0.5, 6)
    assert spec.nodes["fixed"].params["mean"] == [1.0] and spec.nodes["norm"].params["mean"] is None
