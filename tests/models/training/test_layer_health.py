"""Layer health is measured on the training step itself: gradient norms equal a GradientTape's on the same batch
and weights, activation statistics equal the layer's own output, the update ratio is the real change of the
weights; dead ReLUs, exploding and vanishing gradients and outsized updates are named; a run keeps its health
every N steps and the hooks come off afterwards."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.training import layer_health
from models.training.health_history import MAX_POINTS, MAX_VALUES, MIN_POINTS, HealthHistory


def compiled_model(dead_bias: float = 0.0):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
                              keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(5, activation="relu", name="hidden",
                                                 bias_initializer=keras.initializers.Constant(dead_bias)),
                              keras.layers.Dense(3, activation="softmax", name="out")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", jit_compile=False)
    return model


def batch():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (8, 6, 6, 2)).astype(np.float32), rng.integers(0, 3, 8)


def test_the_step_reports_its_own_gradients_activations_and_update():
    import keras
    import tensorflow as tf

    model = compiled_model()
    x, y = batch()
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True))
        loss = tf.reduce_mean(loss)
    gradients = dict(zip([v.path.split("/", 1)[1] for v in model.trainable_weights],
                         tape.gradient(loss, model.trainable_weights), strict=True))
    conv_output = np.asarray(keras.Model(model.inputs, model.get_layer("conv").output)(x))
    layout = layer_health.install(model, every=1)
    assert layout.weighted == ["conv", "hidden", "out"] and layout.relu == {"conv", "hidden"}
    before = layer_health.flat_weights(model, layout)
    logs = model.train_on_batch(x, y, return_dict=True)
    after = layer_health.flat_weights(model, layout)
    health = layer_health.read(logs, layout, before, after)
    expected = math.sqrt(sum(float(np.sum(np.square(gradients[f"conv/{w}"]))) for w in ("kernel", "bias")))
    assert health["conv"]["gradient_norm"] == pytest.approx(expected, rel=1e-4)
    assert health["conv"]["activation_mean"] == pytest.approx(float(conv_output.mean()), rel=1e-5)
    assert health["conv"]["activation_std"] == pytest.approx(float(conv_output.std()), rel=1e-4)
    dead = float(np.mean(np.all(conv_output.reshape(-1, 4) <= 0, axis=0)))
    assert health["conv"]["dead_share"] == pytest.approx(dead)
    # SGD without momentum: the update is exactly 0.1 x the gradient
    assert health["out"]["update_ratio"] == pytest.approx(0.1 * health["out"]["gradient_norm"]
                                                          / health["out"]["weight_norm"], rel=1e-3)
    assert "dead_share" not in health["out"] and "gradient_norm" not in health["flat"]
    layer_health.uninstall(model)
    assert "make_train_function" not in model.__dict__ and "apply_gradients" not in model.optimizer.__dict__
    assert all("call" not in layer.__dict__ for layer in model.layers)
    assert layer_health.VALUES not in model.train_on_batch(x, y, return_dict=True)


def test_only_every_nth_step_measures_the_others_run_the_plain_step():
    model = compiled_model()
    x, y = batch()
    layout = layer_health.install(model, every=3)
    measured = [layer_health.VALUES in model.train_on_batch(x, y, return_dict=True) for _ in range(6)]
    assert measured == [False, False, True, False, False, True]
    assert layout.every == 3


def test_dead_units_and_bad_gradients_and_updates_are_named():
    model = compiled_model(dead_bias=-100.0)
    x, y = batch()
    layout = layer_health.install(model, every=1)
    before = layer_health.flat_weights(model, layout)
    logs = model.train_on_batch(x, y, return_dict=True)
    health = layer_health.read(logs, layout, before, layer_health.flat_weights(model, layout))
    assert health["hidden"]["dead_share"] == 1.0
    warnings = layer_health.warnings_for(health)
    assert any("dead" in note for note in warnings["hidden"])
    made_up = {"a": {"gradient_norm": 1.0, "update_ratio": 1e-3}, "b": {"gradient_norm": 1e-6},
               "c": {"gradient_norm": 5e3}, "d": {"gradient_norm": 0.5, "update_ratio": 0.5}}
    found = layer_health.warnings_for(made_up)
    assert "a" not in found
    assert "vanishing" in found["b"][0] and "exploding" in found["c"][0] and "too high" in found["d"][0]


def test_a_run_keeps_its_health_every_n_steps():
    from datasets.generated import load_shapes
    from models.templates import load_template
    from models.training.config import TrainingConfig
    from models.training.records import run_problem
    from models.training.runs import run_record
    from models.training.trainer import Reporter, Trainer

    heard = []

    class Listening(Reporter):
        def on_health(self, step, health):
            heard.append(step)

    project = load_template("lenet")
    data = load_shapes(size=28, count_per_class=20, seed=0)  # 80 training samples: 5 steps of 16 per epoch
    config = TrainingConfig.from_dict({"epochs": 2, "batch_size": 16, "health_every": 3})
    result = Trainer(project.spec, data, config, Listening()).run()
    assert result.ok and result.steps == 10
    assert heard == result.health.steps == [3, 6, 9]
    latest = result.health.latest()
    assert set(latest) >= {"conv2d_1", "dense_3"} and latest["conv2d_1"]["update_ratio"] > 0
    record = run_record(1, project.spec, project.dataset, config, result)
    assert record["health"]["steps"] == [3, 6, 9] and run_problem(record) is None
    broken = {**record, "health": {"steps": [3], "layers": {"dense_3": {"gradient_norm": ["x"]}}}}
    assert "health" in run_problem(broken)  # a hand-edited file is refused in words, not read into a crash
    assert HealthHistory.from_dict(record["health"]).series("dense_3", "gradient_norm")[0] == pytest.approx(
        result.health.series("dense_3", "gradient_norm")[0], rel=1e-3)
    assert "train_step" not in result.model.__dict__  # a plain Keras model again


def test_a_long_history_is_thinned_and_keeps_its_latest_point():
    history = HealthHistory()
    for step in range(1, 2 * MAX_POINTS + 2):
        history.add(step, {"a": {"gradient_norm": float(step)}} if step % 7 else {})
    assert len(history.steps) <= MAX_POINTS and history.steps[-1] == 2 * MAX_POINTS + 1
    assert len(history.series("a", "gradient_norm")) == len(history.steps)
    assert history.latest()["a"]["gradient_norm"] == 2 * MAX_POINTS + 1
    assert HealthHistory.from_dict({"steps": "broken"}).steps == []


def test_epochs_of_unknown_length_keep_the_measured_steps_in_step():
    """Data of unknown length (an image folder) ends each epoch with one more call that finds no batch: it is not
    a step, and the measuring steps stay every N-th."""
    import keras
    import tensorflow as tf

    model = compiled_model()
    x, y = batch()
    data = tf.data.Dataset.from_tensor_slices((np.repeat(x, 5, axis=0), np.repeat(y, 5))).batch(8)
    data = data.filter(lambda _x, _y: True)  # its length is unknown now
    assert data.cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
    layer_health.install(model, every=3)
    measured: list[int] = []

    class Watch(keras.callbacks.Callback):
        step = 0

        def on_train_batch_end(self, _batch, logs=None):
            Watch.step += 1
            if layer_health.VALUES in (logs or {}):
                measured.append(Watch.step)

    model.fit(data, epochs=3, verbose=0, callbacks=[Watch()], shuffle=False)
    assert Watch.step == 15 and measured == [3, 6, 9, 12, 15]


def test_a_big_graphs_history_keeps_fewer_points_so_a_run_stays_small():
    history = HealthHistory()
    layers = {f"layer_{i}": {"gradient_norm": 1.0, "activation_mean": 0.0, "activation_std": 1.0}
              for i in range(771)}  # NASNetMobile's layer count
    for step in range(1, 301):
        history.add(step, layers)
    kept = len(history.steps)
    assert MIN_POINTS <= kept <= max(MIN_POINTS, MAX_VALUES // (771 * 3)) and history.steps[-1] == 300
    assert kept * 771 * 3 <= max(MAX_VALUES, MIN_POINTS * 771 * 3)
