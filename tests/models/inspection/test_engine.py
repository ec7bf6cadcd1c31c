"""The Inspection panel's numbers without the panel: `Inspector.compute` on real Keras models."""

import numpy as np

from models.building.builder import build
from models.graph.spec import ModelSpec
from models.inspection.engine import InspectionRequest, Inspector
from models.inspection.inputs import LoadedInput


def test_gradient_views_that_cannot_apply_leave_the_others_alone():
    """A flat input reshaped into an image, and a model whose output is an image: feature maps still show."""
    from models.building.builder import build
    from models.graph.spec import ModelSpec
    from models.inspection.engine import InspectionRequest, Inspector
    from models.inspection.inputs import LoadedInput

    flat = ModelSpec(name="flat")
    flat.add_node("Input", {"shape": [64]})
    flat.append("Reshape", {"target_shape": [8, 8, 1]})
    flat.append("Conv2D", {"filters": 2, "kernel_size": 3})
    flat.append("Flatten")
    flat.append("Dense", {"units": 3, "activation": "softmax"})
    maps = ModelSpec(name="maps")
    maps.add_node("Input", {"shape": [8, 8, 1]})
    maps.append("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"})
    inspector = Inspector()
    for spec, sample in ((flat, np.ones(64, np.float32)), (maps, np.ones((8, 8, 1), np.float32))):
        model = build(spec).model
        current = LoadedInput(sample, sample, "test")
        result = inspector.compute(InspectionRequest(spec.name, lambda model=model: model, "untrained", current=current,
                                                     cam_class=7))
        assert not result.error and len(result.view.outputs) == len(spec) - 1
        assert result.view.cam is None and result.view.unavailable["grad_cam"]


def test_a_new_input_that_does_not_fit_is_refused_with_the_reason():
    spec = ModelSpec(name="small")
    spec.add_node("Input", {"shape": [4]})
    spec.append("Dense", {"units": 2, "activation": "softmax"})
    model = build(spec).model
    sample = np.ones(4, np.float32)
    wrong = np.ones(5, np.float32)
    inspector = Inspector()
    result = inspector.compute(InspectionRequest("small", lambda: model, "untrained",
                                                 current=LoadedInput(sample, sample, "good"),
                                                 load=lambda: LoadedInput(wrong, wrong, "wrong")))
    assert result.loaded is None and "shaped 5" in result.input_error
    assert not result.error and result.view is None  # the panel keeps drawing the input it had


def test_an_epochs_weights_are_replayed_on_a_replica_and_the_wrong_weights_are_refused():
    spec = ModelSpec(name="small")
    spec.add_node("Input", {"shape": [4]})
    spec.append("Dense", {"units": 2, "activation": "softmax"})
    now, replica = build(spec).model, build(spec).model
    epoch = [np.full_like(weight, 0.5) for weight in now.get_weights()]
    sample = np.arange(4, dtype=np.float32)
    current = LoadedInput(sample, sample, "x")
    inspector = Inspector()
    replayed = inspector.compute(InspectionRequest("replay", lambda: replica, "after epoch 1", current=current,
                                                   weights=epoch))
    as_now = inspector.compute(InspectionRequest("now", lambda: now, "trained", current=current))
    assert replayed.replayed and not as_now.replayed
    np.testing.assert_allclose(replayed.view.final_output(), [0.5, 0.5], atol=1e-6)  # equal logits: equal shares
    np.testing.assert_allclose(as_now.view.final_output(), now(sample[None]).numpy()[0], atol=1e-6)
    assert not np.array_equal(now.get_weights()[0], epoch[0])  # the model as it is now was never touched
    wrong = inspector.compute(InspectionRequest("replay", lambda: replica, "after epoch 1", current=current,
                                                weights=epoch[:1]))
    assert "weights of that epoch do not fit" in wrong.error and wrong.view is None
