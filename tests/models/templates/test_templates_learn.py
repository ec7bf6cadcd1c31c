"""A student who opens a template and presses Train sees it learn: the quick templates, trained with their own
defaults on their own data, reach the accuracy their description promises (bench/templates.py: all of them,
with the 3-minute budget)."""

from __future__ import annotations

import pytest

from models.templates import load_template
from models.templates.check import TARGET_ACCURACY, train_template


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mlp", "lstm", "sequence_attention", "lenet"])
def test_a_quick_template_learns_with_its_own_defaults(name):
    outcome = train_template(name)
    assert outcome.status == "completed"
    assert outcome.val_accuracy >= TARGET_ACCURACY, f"{name}: {outcome.val_accuracy:.3f}"


@pytest.mark.parametrize("name", ["mlp", "lenet", "vgg", "resnet", "vit", "sequence_attention", "lstm"])
def test_every_template_says_what_it_should_reach(name):
    assert "validation accuracy" in load_template(name).description
