"""What a person types into a parameter field, read as values (and shown back) without any widget."""

import pytest

from models.graph.catalog import layer_type
from models.graph.param_text import (
    parse_json_value,
    parse_list,
    parse_literal,
    render_list,
    same_value,
    whole_number,
)


@pytest.mark.parametrize(("text", "value"), [
    ("28, 28, 1", [28, 28, 1]), ("[28, 28, 1]", [28, 28, 1]), ("(1, 2)", [1, 2]), ("None, 64", [None, 64]),
    ("null, 64", [None, 64]), ("?, 64", [None, 64]), ("((1, 1), (2, 2))", [[1, 1], [2, 2]]), ("0.5", 0.5),
])
def test_literals_are_read_as_plain_values(text, value):
    assert parse_literal(text) == value


@pytest.mark.parametrize(("text", "reason"), [
    ("", "Enter a value"), ("__import__('os')", "write numbers separated by commas"),
    ("1e999", "use plain numbers"), ("{1, 2}", "use plain numbers"),
])
def test_anything_but_a_literal_is_refused_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_literal(text)


def test_lists_read_and_show_back_the_same():
    assert parse_list("7") == [7]
    for value in ([28, 28, 1], [0.1, 1e-07], [[1, 1], [2, 2]]):
        assert parse_list(render_list(value)) == value
    assert render_list([28, 28, 1]) == "28, 28, 1" and render_list([[1, 1], [2, 2]]) == "[[1, 1], [2, 2]]"


def test_whole_numbers_and_json_fields():
    assert whole_number(3.0) == 3
    for bad in (3.5, True, "3", None):
        with pytest.raises(ValueError):
            whole_number(bad)
    assert parse_json_value('{"l2": 0.01}') == {"l2": 0.01}
    with pytest.raises(ValueError, match="Not valid JSON"):
        parse_json_value("{l2: 0.01}")


def test_a_square_kernel_size_is_the_same_whichever_way_it_is_written():
    kernel = next(param for param in layer_type("Conv2D").params if param.name == "kernel_size")
    assert same_value(kernel, 3, [3, 3]) and not same_value(kernel, 3, [3, 5])
    assert not same_value(kernel, "x", 3)  # malformed values compare as they are, never raise


def test_optional_numbers_read_empty_as_none_and_a_list_as_typed():
    from models.graph.param_text import parse_optional_numbers, render_optional_numbers

    assert parse_optional_numbers("") is None and parse_optional_numbers(" None ") is None
    assert parse_optional_numbers("0.5, 0.25, 2") == [0.5, 0.25, 2] and parse_optional_numbers("3") == 3
    assert render_optional_numbers(None) == "" and render_optional_numbers([0.5, 0.25]) == "0.5, 0.25"
