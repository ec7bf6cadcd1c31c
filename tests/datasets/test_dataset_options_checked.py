"""Dataset options from a project file are checked against their declared kinds and ranges before anything is
generated or read: a plain message naming the option, never a raw ValueError or a 15 GB allocation."""

from __future__ import annotations

import pytest

from datasets.base import DatasetError
from datasets.registry import load_dataset


@pytest.mark.parametrize(("choice", "words"), [
    ({"source": "toy2d", "options": {"samples": 10**12}}, "samples must be at most 200000"),
    ({"source": "shapes", "options": {"count_per_class": -5}}, "count_per_class must be at least 10"),
    ({"source": "shapes", "options": {"seed": -1}}, "seed must be at least 0"),
    ({"source": "shapes", "options": {"size": "28"}}, "size must be a whole number"),
    ({"source": "shapes", "options": {"noise": float("nan")}}, "noise must be a number"),
    ({"source": "shapes", "options": {"color": 1}}, "color must be true or false"),
    ({"source": "toy2d", "options": {"kind": "x" * 1000}}, "is not one of"),
    ({"source": "toy2d", "options": "spirals"}, "must be a mapping"),
])
def test_out_of_range_or_mistyped_options_are_refused_by_name(choice, words):
    with pytest.raises(DatasetError, match=words) as raised:
        load_dataset(choice)
    assert len(str(raised.value)) < 300  # a 1,000-character value is quoted short


def test_options_within_their_ranges_still_load():
    data = load_dataset({"source": "toy2d", "options": {"samples": 40, "noise": 0, "seed": 3}})
    assert data.train.count + data.validation.count == 40
