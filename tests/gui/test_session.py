"""The session: what the panels share beyond the document (loaded data, trained model, run in progress), so each
panel takes the document and the session, never another panel."""

from __future__ import annotations

import inspect

from datasets.registry import load_dataset
from gui.data.panel import DataPanel
from gui.document import ProjectDocument
from gui.inspection.panel import InspectionPanel
from gui.session import Session
from gui.training.panel import TrainingPanel
from models.session_state import SessionState
from models.templates import load_template


def test_loaded_data_is_reused_only_for_the_choice_it_came_from():
    choice = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    state = SessionState(dataset=load_dataset(choice), loaded_choice=choice)
    assert state.dataset_for({"source": "toy2d", "options": {"samples": 200, "kind": "moons", "noise": 0.1}}) \
        is state.dataset  # noise 0.1 is the default: the same choice
    assert state.dataset_for({"source": "toy2d", "options": {"kind": "moons", "samples": 300}}) is None
    assert state.dataset_for({"source": "toy2d", "options": {"samples": 10**12}}) is None  # refused: not reused
    assert SessionState().dataset_for(choice) is None


def test_panels_take_the_document_and_the_session_never_each_other():
    for panel in (DataPanel, TrainingPanel, InspectionPanel):
        assert list(inspect.signature(panel.__init__).parameters)[:3] == ["self", "document", "session"]


def test_data_loaded_by_one_panel_is_what_the_others_use(qtbot):
    project = load_template("mlp")
    project.dataset = {"source": "toy2d", "options": {"kind": "moons", "samples": 200}}
    document, session = ProjectDocument(project), Session()
    data = DataPanel(document, session)
    training = TrainingPanel(document, session)
    inspection = InspectionPanel(document, session)
    for widget in (data, training, inspection):
        qtbot.addWidget(widget)
    if data.dataset is None:
        with qtbot.waitSignal(session.dataset_loaded, timeout=60_000):
            data.load()
    assert inspection._dataset() is data.dataset is session.state.dataset
    assert training.session.state.dataset_for(document.project.dataset) is data.dataset
    inspection.shutdown()
