"""The status bar's next step follows what the user has done so far."""

import pytest

from models.guidance import Situation, next_step


@pytest.mark.parametrize(("situation", "expected"), [
    (Situation(0, 0, False, False, False, False), "drag an Input"),
    (Situation(3, 1, True, True, False, False), "click Fix on the marked card to adapt"),
    (Situation(3, 2, False, True, False, False), "click Fix to repair"),
    (Situation(3, 0, False, False, False, False), "choose the data"),
    (Situation(3, 0, False, True, False, False), "Start Training (F5)"),
    (Situation(3, 0, False, True, True, False), "watch the curves"),
    (Situation(3, 0, False, True, False, True), "Inspect (Ctrl+4)"),
])
def test_each_situation_names_its_next_step(situation, expected):
    assert expected in next_step(situation)
