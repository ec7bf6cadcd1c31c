"""Groups of a big graph: found from names, cell numbers or cut points, never one that would feed itself,
nested models kept in the project file; and the layout that keeps the main path straight down."""

from __future__ import annotations

import pytest

from models.graph.groups import AUTO_GROUP_MIN_LAYERS, find_groups
from models.graph.layout import layered_layout
from models.graph.project import ProjectError, model_from_dict, model_to_dict
from models.graph.spec import ModelSpec


def residual_network(blocks: int, stage: str = "conv2") -> ModelSpec:
    """ResNet's naming: `conv2_block1_1_conv` ... `conv2_block1_out`, each block with a shortcut."""
    spec = ModelSpec()
    previous = spec.add_node("Input", {"shape": [16, 16, 8]}, node_id="image")
    for block in range(1, blocks + 1):
        name = f"{stage}_block{block}"
        x = spec.add_node("Conv2D", {"filters": 8, "padding": "same"}, [previous], node_id=f"{name}_1_conv")
        x = spec.add_node("BatchNormalization", {}, [x], node_id=f"{name}_1_bn")
        x = spec.add_node("Activation", {}, [x], node_id=f"{name}_1_relu")
        x = spec.add_node("Conv2D", {"filters": 8, "padding": "same"}, [x], node_id=f"{name}_2_conv")
        x = spec.add_node("Add", {}, [previous, x], node_id=f"{name}_add")
        previous = spec.add_node("Activation", {}, [x], node_id=f"{name}_out")
    spec.add_node("GlobalAveragePooling2D", {}, [previous], node_id="avg_pool")
    spec.add_node("Dense", {"units": 3}, ["avg_pool"], node_id="predictions")
    return spec


def inception_like(modules: int) -> ModelSpec:
    """Keras's automatic names inside each module (`conv2d_7`), four branches joined by `mixedN`."""
    spec = ModelSpec()
    previous = spec.add_node("Input", {"shape": [16, 16, 8]}, node_id="image")
    count = 0
    for module in range(modules):
        branches = []
        for depth in (1, 2, 3, 1):
            x = previous
            for _ in range(depth):
                count += 1
                x = spec.add_node("Conv2D", {"filters": 4, "padding": "same"}, [x], node_id=f"conv2d_{count}")
            branches.append(x)
        previous = spec.add_node("Concatenate", {}, branches, node_id=f"mixed{module}")
    return spec


def nasnet_like(cells: int) -> ModelSpec:
    """Cells numbered at the end of each name (`normal_add_1_4`); each cell takes the two cells before it."""
    spec = ModelSpec()
    before = previous = spec.add_node("Input", {"shape": [16, 16, 8]}, node_id="image")
    for cell in range(cells):
        left = spec.add_node("Conv2D", {"filters": 8, "padding": "same"}, [previous], node_id=f"normal_left1_{cell}")
        right = spec.add_node("Conv2D", {"filters": 8, "padding": "same"}, [before], node_id=f"normal_right1_{cell}")
        added = spec.add_node("Add", {}, [left, right], node_id=f"normal_add_1_{cell}")
        other = spec.add_node("Conv2D", {"filters": 8, "padding": "same"}, [previous], node_id=f"normal_left2_{cell}")
        before, previous = previous, spec.add_node("Concatenate", {}, [added, other], node_id=f"normal_concat_{cell}")
    return spec


def test_resnet_style_names_make_one_group_per_block():
    spec = residual_network(8)
    groups = find_groups(spec)
    assert [g.name for g in groups] == [f"conv2_block{i}" for i in range(1, 9)]
    assert groups[0].members == ("conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu",
                                 "conv2_block1_2_conv", "conv2_block1_add", "conv2_block1_out")
    assert {g.origin for g in groups} == {"names"}


def test_automatic_names_fall_back_to_the_blocks_between_cut_points():
    spec = inception_like(7)
    groups = find_groups(spec)
    assert [g.name for g in groups] == [f"mixed{i}" for i in range(7)]  # `conv2d` names no block
    assert all(len(g.members) == 8 for g in groups) and groups[0].members[-1] == "mixed0"


def test_cell_numbers_at_the_end_of_names_make_cells():
    spec = nasnet_like(9)
    groups = find_groups(spec)
    assert [g.name for g in groups] == [f"cell {i}" for i in range(9)] and {g.origin for g in groups} == {"cells"}
    assert set(groups[3].members) == {f"normal_{part}_3" for part in ("left1", "right1", "add_1", "left2", "concat")}


def test_small_models_get_no_automatic_groups_but_keep_their_nested_models():
    spec = residual_network(2)
    assert len(spec.nodes) < AUTO_GROUP_MIN_LAYERS and find_groups(spec) == []
    spec.groups = {"conv2_block1_1_conv": "inner", "conv2_block1_1_bn": "inner"}
    (group,) = find_groups(spec)
    assert (group.name, group.members, group.origin) == ("inner", ("conv2_block1_1_conv", "conv2_block1_1_bn"),
                                                         "nested")


def test_a_group_that_collapsed_would_feed_itself_is_not_offered():
    spec = residual_network(2)
    # conv -> bn -> relu: a "group" of conv and relu without bn would feed bn and be fed by it
    spec.groups = {"conv2_block1_1_conv": "broken", "conv2_block1_1_relu": "broken"}
    assert find_groups(spec) == []


def test_blocks_inside_a_big_nested_model_are_its_children():
    spec = residual_network(8)
    spec.groups = {node_id: "resnet" for node_id in spec.nodes if node_id.startswith("conv2_")}
    groups = find_groups(spec)
    assert groups[0].name == "resnet" and groups[0].parent is None
    assert [g.name for g in groups[1:]] == [f"conv2_block{i}" for i in range(1, 9)]
    assert {g.parent for g in groups[1:]} == {"resnet"}


def test_nested_groups_survive_the_project_file_and_a_rename():
    spec = residual_network(2)
    spec.groups = {"conv2_block1_1_conv": "inner", "conv2_block1_1_bn": "inner"}
    data = model_to_dict(spec)
    assert data["groups"] == {"inner": ["conv2_block1_1_conv", "conv2_block1_1_bn"]}
    again = model_from_dict(data)
    assert again.groups == spec.groups
    again.rename("conv2_block1_1_bn", "bn")
    again.remove("conv2_block1_1_conv")
    assert again.groups == {"bn": "inner"}


@pytest.mark.parametrize("groups, message", [
    (["a"], "must map each group's name to a list"),
    ({"inner": ["nope"]}, "'nope', which is not a layer"),
])
def test_a_broken_groups_section_says_what_is_wrong(groups, message):
    data = model_to_dict(residual_network(1))
    data["groups"] = groups
    with pytest.raises(ProjectError, match=message):
        model_from_dict(data)


def test_the_main_path_runs_straight_down_however_wide_the_graph():
    spec = ModelSpec()
    previous = spec.add_node("Input", {"shape": [8]}, node_id="x")
    for cell in range(30):  # a side layer listed before the main path's, as NASNet's cells list theirs
        side = spec.add_node("Dense", {"units": 4}, [previous], node_id=f"side_{cell}")
        main = spec.add_node("Dense", {"units": 4}, [previous], node_id=f"main_{cell}")
        main = spec.add_node("Dense", {"units": 4}, [main], node_id=f"deeper_{cell}")
        previous = spec.add_node("Concatenate", {}, [main, side], node_id=f"concat_{cell}")
    placements = layered_layout(spec)
    assert {placements[f"concat_{cell}"].column for cell in range(30)} == {placements["x"].column}
    columns = [p.column for p in placements.values()]
    assert max(columns) - min(columns) <= 1  # before: one column further right per cell, a staircase


def test_a_collapsed_group_is_one_place_in_the_layout():
    spec = residual_network(8)
    drawn_as = {member: "group:conv2_block2" for member in spec.nodes if member.startswith("conv2_block2_")}
    placements = layered_layout(spec, drawn_as)
    assert "group:conv2_block2" in placements and not set(drawn_as) & set(placements)
    block1_out, block3_first = placements["conv2_block1_out"], placements["conv2_block3_1_conv"]
    assert block1_out.row < placements["group:conv2_block2"].row < block3_first.row
    assert block3_first.row - block1_out.row == 2  # the group takes one row instead of six


@pytest.mark.parametrize("shared, message", [
    (["a"], "'shared' must map a layer id"),
    ({"conv2_block1_1_bn": "nope"}, "'nope', which is not a layer"),
    ({"conv2_block1_1_bn": "conv2_block1_1_conv", "conv2_block1_1_conv": "image"}, "itself shares another"),
])
def test_a_broken_shared_section_says_what_is_wrong(shared, message):
    data = model_to_dict(residual_network(1))
    data["shared"] = shared
    with pytest.raises(ProjectError, match=message):
        model_from_dict(data)
