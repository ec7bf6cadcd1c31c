"""Live inspection inside a real training run (Qt-free): refresh schedule, epoch snapshots, live filters and
decision boundaries, and an input that does not fit the model switching the live view off with a reason."""

from __future__ import annotations

import numpy as np

from datasets.generated import load_shapes, load_toy2d
from models.graph.spec import ModelSpec
from models.inspection.boundary import plane_ranges
from models.inspection.live import LiveInspection, LiveSettings
from models.templates import load_template
from models.training.config import TrainingConfig
from models.training.trainer import Reporter, Trainer


class LiveReporter(Reporter):
    """What the GUI's worker does: hand the training thread's model to the live inspection between batches."""

    def __init__(self, live: LiveInspection) -> None:
        self.live = live
        self.epoch = 0

    def on_batch(self, step, epoch, batch, logs):
        self.epoch = epoch

    def after_batch(self, model, step):
        self.live.after_batch(model, step, self.epoch)

    def on_epoch(self, epoch, logs):
        self.live.on_epoch_end(epoch)


def small_cnn() -> ModelSpec:
    spec = ModelSpec(name="live_cnn")
    spec.add_node("Input", {"shape": [16, 16, 1]})
    spec.append("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"})
    spec.append("GlobalAveragePooling2D")
    spec.append("Dense", {"units": 5, "activation": "softmax"})
    return spec


def test_refreshes_every_n_steps_and_keeps_one_snapshot_per_epoch():
    dataset = load_shapes(size=16, count_per_class=16, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=2))
    live.set_sample(dataset.train.x[0])
    spec = small_cnn()
    conv, pool, dense = [n for n in spec.topological_order() if spec.nodes[n].type != "Input"]
    result = Trainer(spec, dataset, TrainingConfig(epochs=2, batch_size=8), LiveReporter(live)).run()
    assert result.ok
    during = [s for s in snapshots if not s.epoch_end]
    ends = [s for s in snapshots if s.epoch_end]
    assert [s.step for s in during] == list(range(1, result.steps + 1, 2))  # at once, then every 2 steps
    assert [s.epoch for s in ends] == [0, 1]
    first, last = during[0], ends[-1]
    assert set(first.outputs) == {conv, pool, dense} and first.layer_types[conv] == "Conv2D"
    assert first.kernels[conv].shape == (3, 3, 1, 4)
    assert not np.allclose(first.kernels[conv], last.kernels[conv])  # the filters moved while training
    np.testing.assert_allclose(last.outputs[dense].sum(), 1.0, atol=1e-5)
    compact = last.compact()
    assert compact.outputs[conv].dtype == np.float16 and compact.nbytes() < last.nbytes()


def test_the_decision_boundary_follows_training_on_2d_data():
    dataset = load_toy2d(kind="moons", samples=200, seed=0)
    project = load_template("mlp")
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=5), plane_ranges(dataset.train.x))
    live.set_sample(dataset.train.x[0])
    Trainer(project.spec, dataset, TrainingConfig(epochs=2, batch_size=16), LiveReporter(live)).run()
    boundaries = [s.boundary for s in snapshots if s.boundary is not None]
    assert len(boundaries) == len(snapshots) >= 3
    assert boundaries[0].probabilities.shape[:2] == (64, 64)
    assert not np.allclose(boundaries[0].probabilities, boundaries[-1].probabilities)


def test_an_input_that_does_not_fit_turns_live_maps_off_with_the_reason():
    dataset = load_shapes(size=16, count_per_class=8, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1))
    live.set_sample(np.zeros((28, 28, 1), np.float32))
    result = Trainer(small_cnn(), dataset, TrainingConfig(epochs=1, batch_size=8), LiveReporter(live)).run()
    assert result.ok and not any(s.outputs for s in snapshots)  # training itself is unaffected
    assert not live.enabled and "28x28x1" in live.failure and "16x16x1" in live.failure
    assert [s.epoch for s in snapshots] == [0] and snapshots[0].weights  # the epoch can still be replayed


def test_without_a_pinned_input_nothing_is_computed_but_each_epochs_weights_are_kept():
    dataset = load_shapes(size=16, count_per_class=8, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1))
    result = Trainer(small_cnn(), dataset, TrainingConfig(epochs=2, batch_size=8), LiveReporter(live)).run()
    assert [(s.epoch, s.epoch_end, bool(s.outputs)) for s in snapshots] == [(0, True, False), (1, True, False)]
    final = result.model.get_weights()
    assert len(snapshots[1].weights) == len(final)
    assert all(np.array_equal(kept, now) for kept, now in zip(snapshots[1].weights, final, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(snapshots[0].weights, final, strict=True))


def test_a_model_too_big_keeps_no_weights_per_epoch(monkeypatch):
    from models.inspection import live as live_module

    monkeypatch.setattr(live_module, "MAX_REPLAY_PARAMS", 10)
    dataset = load_shapes(size=16, count_per_class=8, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1))
    live.set_sample(dataset.train.x[0])
    Trainer(small_cnn(), dataset, TrainingConfig(epochs=1, batch_size=8), LiveReporter(live)).run()
    kept = [s for s in snapshots if s.epoch_end]
    assert len(kept) == 1 and kept[0].outputs and kept[0].weights is None


def test_a_tensorflow_error_in_the_live_view_never_ends_the_run():
    """Tokens beyond the Embedding's vocabulary fail inside TensorFlow; training itself must go on."""
    from datasets.generated import load_sequences

    dataset = load_sequences(length=12, count=64, seed=0)
    project = load_template("lstm")
    project.spec.nodes["tokens"].params["shape"] = [12]
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1))
    live.set_sample(np.full(12, 10_000, np.int32))
    result = Trainer(project.spec, dataset, TrainingConfig(epochs=1, batch_size=16), LiveReporter(live)).run()
    assert result.ok and result.epochs_done == 1
    assert not live.enabled and "failed" in live.failure and not any(s.outputs for s in snapshots)


def test_unwatched_views_get_epoch_snapshots_only_and_catch_up_when_watched_again():
    """Hidden views (the Inspection tab behind the Training tab) cost the training thread no periodic probes."""
    dataset = load_shapes(size=16, count_per_class=16, seed=0)  # 8 training steps of 8 images per epoch
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1))
    live.set_sample(dataset.train.x[0])
    live.watch(False)
    back_at = 12  # half-way through the second epoch the user brings the views back

    class WatchAgain(LiveReporter):
        def after_batch(self, model, step):
            if step == back_at:
                live.watch(True)
            super().after_batch(model, step)

    result = Trainer(small_cnn(), dataset, TrainingConfig(epochs=2, batch_size=8), WatchAgain(live)).run()
    per_epoch = result.steps // 2
    assert result.ok and per_epoch < back_at < result.steps
    assert [(s.step, s.epoch_end) for s in snapshots if s.step < back_at] == [(per_epoch, True)]  # epoch 1's end
    assert [s.step for s in snapshots if not s.epoch_end] == list(range(back_at, result.steps + 1))
    assert snapshots[-1].epoch_end and snapshots[-1].epoch == 1


def test_an_input_pinned_during_a_pause_is_shown_with_the_paused_weights():
    dataset = load_shapes(size=16, count_per_class=16, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=10 ** 9))  # epoch ends only, but for new inputs
    live.set_sample(dataset.train.x[0])
    paused_at = []

    class PausingOnce(LiveReporter):
        def wait_if_paused(self):
            if not paused_at and live._step == 3:  # the user pauses after step 3 and pins another image
                paused_at.append(live._step)
                live.while_paused()  # nothing new yet: nothing computed
                assert [s.step for s in snapshots] == [1]
                live.set_sample(dataset.train.x[5])
                live.while_paused()

    result = Trainer(small_cnn(), dataset, TrainingConfig(epochs=1, batch_size=8), PausingOnce(live)).run()
    assert result.ok and paused_at == [3]
    during = [s for s in snapshots if not s.epoch_end]
    assert [s.step for s in during] == [1, 3]  # the first input at once; the new one while paused at step 3
    assert not np.allclose(during[0].outputs[next(iter(during[0].outputs))],
                           during[1].outputs[next(iter(during[1].outputs))])  # another image's maps


def test_the_model_before_its_first_step_is_kept_as_the_slider_s_first_position():
    """A reporter that hands the built model over before training (as the window's worker does) gets a snapshot
    at epoch -1 whose weights are the run's initial weights: the model built with the run's seed."""
    import keras

    from models.building.builder import build
    from models.inspection.live import BEFORE_TRAINING

    class WithStart(LiveReporter):
        def before_training(self, model):
            self.live.before_training(model)

    dataset = load_shapes(size=16, count_per_class=8, seed=0)
    snapshots = []
    live = LiveInspection(snapshots.append, LiveSettings(steps=1000))
    live.set_sample(dataset.train.x[0])
    config = TrainingConfig(epochs=1, batch_size=8, seed=5)
    Trainer(small_cnn(), dataset, config, WithStart(live)).run()
    first = snapshots[0]
    assert first.epoch == BEFORE_TRAINING and first.epoch_end and first.step == 0 and first.outputs
    keras.utils.set_random_seed(5)
    initial = build(small_cnn()).model.get_weights()
    assert all(np.array_equal(kept, built) for kept, built in zip(first.weights, initial, strict=True))
    assert not np.allclose(first.weights[0], snapshots[-1].weights[0])  # and training moved them
