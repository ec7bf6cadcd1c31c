"""The parts the edges and attention lessons stand on: the Lookup task built so that only relating tokens solves
it, photo patches, attention averaged over a set and by distance, and evidence read back."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.base import DatasetError
from datasets.generated import load_lookup, lookup_tokens
from datasets.packaged import PATCH_PHOTOS, load_photo_patches
from models.inspection.attention import attention_by_distance
from models.lessons.attention_lesson import question_to_item
from models.lessons.evidence import Evidence


def test_lookup_answers_only_through_the_item_the_question_names():
    data = load_lookup(length=13, keys=32, count=400, validation_split=0.25, seed=3)
    x = np.concatenate([data.train.x, data.validation.x])
    y = np.concatenate([data.train.y, data.validation.y])
    tokens = lookup_tokens(32)
    items, question = x[:, :-1], x[:, -1]
    assert data.info.input_dtype == "int32" and x.max() < tokens["vocabulary"] and x.min() >= 3
    keys, values = (items - tokens["first_item"]) // 2, (items - tokens["first_item"]) % 2
    assert all(len(set(row)) == 12 for row in keys)  # distinct keys in a sequence
    assert (values.sum(axis=1) == 6).all()  # exactly half the values are 1: counting ones tells nothing
    assert (question >= tokens["first_question"]).all()  # the question is last, and only there
    asked = question - tokens["first_question"]
    named = keys == asked[:, None]
    assert (named.sum(axis=1) == 1).all() and (values[named] == y).all()
    assert abs(y.mean() - 0.5) < 0.01  # balanced classes
    # a sum of per-token features is blind to the answer: the multiset of tokens has the same distribution
    # whatever the label (same ones count, same question distribution), so any token's frequency is unrelated to it
    counts = np.stack([np.bincount(row, minlength=tokens["vocabulary"]) for row in x])
    correlation = [abs(np.corrcoef(counts[:, t], y)[0, 1]) for t in range(3, tokens["vocabulary"])
                   if counts[:, t].std() > 0]
    assert max(correlation) < 0.25
    with pytest.raises(DatasetError, match="odd"):
        load_lookup(length=12)
    with pytest.raises(DatasetError, match="keys"):
        load_lookup(length=13, keys=5)


def test_photo_patches_are_labelled_by_photo_and_have_their_mean_removed():
    data = load_photo_patches(size=16, per_photo=20, seed=1)
    x = np.concatenate([data.train.x, data.validation.x])
    assert x.shape[1:] == (16, 16, 1) and len(x) == 20 * len(PATCH_PHOTOS)
    assert np.abs(x.mean(axis=(1, 2, 3))).max() < 1e-4 and abs(x.std() - 1) < 1e-3
    assert data.info.class_names == list(PATCH_PHOTOS)
    with pytest.raises(DatasetError):
        load_photo_patches(size=100)


def test_attention_by_distance_and_the_questions_weight_on_its_item():
    matrix = np.eye(5)  # every token looks at itself: all the weight at distance 0
    profile = attention_by_distance(matrix[None])
    assert profile[0] == pytest.approx(1.0) and profile[1:].max() == 0.0 and len(profile) == 5
    tokens = lookup_tokens(32)
    samples = np.array([[tokens["first_item"] + 2 * k for k in range(12)] + [tokens["first_question"] + 4]])
    weights = np.full((1, 13, 13), 0.02)
    weights[0, -1, 4] = 0.76  # the question (key 4) looks at item 4
    named, other = question_to_item(weights, samples)
    assert named == pytest.approx(0.76) and other == pytest.approx(0.02)


def test_evidence_reads_back_what_it_wrote():
    evidence = Evidence("depth", "claim", {"a": [1.0]}, {"b": 2}, "It held.", True,
                        [("Accuracy", "deep: 0.97", "shallow: 0.85")], 12.5)
    again = Evidence.from_dict(evidence.to_dict())
    assert again.rows == evidence.rows and again.held and again.seconds == 12.5 and again.measured == {"a": [1.0]}
    assert Evidence.from_dict({"table": [["too short"]]}).rows == []
