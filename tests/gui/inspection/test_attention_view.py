"""The Attention view for token sequences: the task's key tokens starred, attention against distance beside the
even spread, and the weights averaged over the validation set (measured in a thread)."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.generated import MARKER, PARTNER
from models.templates import load_template

TIMEOUT = 60_000


def test_key_tokens_distance_and_the_validation_average(qtbot, main_window_factory):
    window = main_window_factory()
    project = load_template("sequence_attention")
    project.dataset = {"source": "sequences", "options": {"length": 24, "count": 300}}
    window.editor.document.replace(project, None)
    data = window.editor.data_panel
    with qtbot.waitSignal(data.dataset_loaded, timeout=TIMEOUT):
        data.load()
    panel = window.editor.inspection
    with qtbot.waitSignal(panel.updated, timeout=TIMEOUT):
        panel.load_dataset_sample(0, "validation")
    tab = panel.tab_views["Attention"]
    panel.tabs.setCurrentWidget(tab)
    tokens = panel.input.sample
    starred = [label for label in tab.matrix.row_labels if label.startswith("★")]
    assert sorted(int(label[1:]) for label in starred) == sorted([MARKER, PARTNER])  # the two the label needs
    assert tab.tokens_side.isVisibleTo(tab) and len(tab.distance.lines["attention"]) == len(tokens) == 24
    this_input = tab.current_matrix()
    profile = tab.distance.lines["attention"]
    distance = np.abs(np.arange(24)[:, None] - np.arange(24)[None, :])
    assert profile[3] == pytest.approx(this_input[distance == 3].mean())
    assert tab.distance.reference == ("evenly spread: 1/24", pytest.approx(1 / 24))
    assert "★ marks the tokens" in tab.summary.text()
    tab.scope_combo.setCurrentIndex(tab.scope_combo.findData(tab.AVERAGE))
    qtbot.waitUntil(tab.averaging, timeout=TIMEOUT)
    average = tab.current_matrix()
    assert average.shape == (24, 24) and np.allclose(average.sum(axis=1), 1.0, atol=1e-4)  # softmax rows
    assert not np.allclose(average, this_input)  # a mean over 60 sequences, not this one
    assert "Mean over 60 validation sequences" in tab.summary.text()
    assert tab.matrix.row_labels[:3] == ["0", "1", "2"]  # positions: the tokens differ from sequence to sequence
    window.editor.document.replace(project, None)  # another project: the averages are forgotten
    assert tab.averages == {}
