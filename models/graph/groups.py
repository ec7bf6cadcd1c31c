"""Groups of layers that a big graph collapses to one card: the nested models an imported file had, and the
repeated blocks of a big network found from its layer names or its structure.

Three ways to find blocks, and the one that covers most layers wins:
- name prefixes: `conv2_block1_1_conv`, `conv2_block1_out` -> `conv2_block1` (ResNet, DenseNet, MobileNet,
  EfficientNet, Xception, ConvNeXt);
- a cell number at the end: `normal_add_1_12`, `normal_concat_12` -> cell `12` (NASNet);
- cut points, layers every path from input to output goes through: the layers between two of them are one
  block named after its last layer (`mixed0` in Inception, whose other names are Keras's automatic ones).
A group is a run of layers that are next to each other in the model's order (a layer without such a name
between two of a group's members joins it), has at least `MIN_GROUP_SIZE` layers, and is closed: collapsing it
never makes the graph feed itself. Small models get no automatic groups: a 20-layer stack reads as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from models.graph.catalog import CATALOG
from models.graph.spec import GraphError, ModelSpec, snake_case

MIN_GROUP_SIZE = 4
MAX_GROUP_SHARE = 0.2  # a "group" of more than this share of a big model (or 60 layers) hides it, not reads it
MAX_NAMELESS_RUN = 8  # at most this many layers without the group's name join it between two of its members
AUTO_GROUP_MIN_LAYERS = 40  # fewer layers than this: no automatic groups
COLLAPSED_FROM_LAYERS = 100  # a model this big opens with its groups collapsed

_HAS_DIGIT = re.compile(r"\d")
_AUTOMATIC_NAMES = frozenset(snake_case(name) for name in CATALOG)  # `conv2d` of `conv2d_15` names no block


@dataclass(frozen=True)
class LayerGroup:
    """`members` in the model's order; `origin` is "nested" (a model inside the file), "names" or "cells";
    `parent`: the nested model a block of layers lies in (its blocks are found as a model's are)."""

    name: str
    members: tuple[str, ...]
    origin: str
    parent: str | None = None


def find_groups(spec: ModelSpec) -> list[LayerGroup]:
    """The model's groups: its nested models first, then the blocks of its other layers and of its big nested
    models (big models only)."""
    try:
        order = spec.topological_order()
    except GraphError:
        return []
    nested: dict[str, list[str]] = {}
    for node_id in spec.nodes:
        group = spec.groups.get(node_id)
        if group:
            nested.setdefault(group, []).append(node_id)
    groups = [LayerGroup(name, tuple(members), "nested") for name, members in nested.items()]
    if len(spec.nodes) >= AUTO_GROUP_MIN_LAYERS:
        scopes = [(None, [node_id for node_id in spec.nodes if node_id not in spec.groups])]
        scopes += [(name, members) for name, members in nested.items() if len(members) >= AUTO_GROUP_MIN_LAYERS]
        for parent, scope in scopes:
            groups += _blocks(spec, order, scope, parent)
    taken: dict[str | None, set[str]] = {}
    closed: list[LayerGroup] = []
    consumers = consumer_map(spec)
    for group in groups:
        level = taken.setdefault(group.parent, set())
        if level.isdisjoint(group.members) and _closed(consumers, set(group.members)):
            names = {g.name for g in closed}
            name, number = group.name, 2
            while name in names:  # two blocks of one name (a model that reuses a prefix) stay apart
                name, number = f"{group.name} ({number})", number + 1
            closed.append(LayerGroup(name, group.members, group.origin, group.parent))
            level.update(group.members)
    return closed


def _blocks(spec: ModelSpec, order: list[str], scope: list[str], parent: str | None) -> list[LayerGroup]:
    """The repeated blocks among `scope`'s layers, found by the way that reads best."""
    position = {node_id: index for index, node_id in enumerate(spec.nodes)}
    largest = max(60, int(MAX_GROUP_SHARE * len(spec.nodes)))
    outside = set(spec.nodes) - set(scope)
    candidates = [[(name, members) for name, members in runs if len(members) <= largest] for runs in
                  (_runs(scope, _prefix_keys), _runs(scope, _cell_key), _segments(spec, order, outside))]
    covered = [sum(len(members) for _, members in runs) for runs in candidates]
    best = 0 if covered[0] >= 0.8 * max(covered) else covered.index(max(covered))  # names read best
    origin = "cells" if best == 1 else "names"
    return [LayerGroup(f"cell {name}" if origin == "cells" else name, tuple(sorted(members, key=position.get)),
                       origin, parent) for name, members in candidates[best]]


def group_of(groups: list[LayerGroup]) -> dict[str, LayerGroup]:
    """Node id -> the innermost group it belongs to."""
    member_of = {member: group for group in groups if group.parent is None for member in group.members}
    member_of.update({member: group for group in groups if group.parent is not None for member in group.members})
    return member_of


# ----- name prefixes ---------------------------------------------------------------------------------------
def _prefix_keys(node_id: str) -> list[str]:
    """Candidate block names, deepest first: every strict prefix that ends in a token with a digit."""
    tokens = node_id.split("_")
    keys = ["_".join(tokens[:end]) for end in range(len(tokens) - 1, 0, -1) if _HAS_DIGIT.search(tokens[end - 1])]
    return [key for key in keys if key not in _AUTOMATIC_NAMES]


def _cell_key(node_id: str) -> list[str]:
    """A trailing cell number (`_12`), with the word before it when the name is long (`stem_1`)."""
    tokens = node_id.split("_")
    if len(tokens) < 3 or not tokens[-1].isdigit():
        return []
    if len(tokens) >= 4 and tokens[-2].isalpha():
        return ["_".join(tokens[-2:])]
    return [tokens[-1]]


def _runs(order: list[str], keys: Callable[[str], list[str]]) -> list[tuple[str, list[str]]]:
    """Runs of layers next to each other that share a key. For each layer the deepest key whose run is big
    enough counts; nameless layers between two members of one run join it."""
    chosen: dict[str, str] = {}
    candidates = {node_id: keys(node_id) for node_id in order}
    depth = max((len(k) for k in candidates.values()), default=0)
    for level in range(depth):  # shallow keys first; deeper ones take over where their run is big enough
        keyed = {n: k[len(k) - 1 - level] for n, k in candidates.items() if len(k) > level}
        for key, members in _contiguous(order, keyed):
            if len(members) >= MIN_GROUP_SIZE:
                chosen.update(dict.fromkeys(members, key))
    return [(key, members) for key, members in _contiguous(order, chosen) if len(members) >= MIN_GROUP_SIZE]


def _contiguous(order: list[str], keyed: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Maximal runs with one key; layers without a key between two members of one run join it."""
    runs: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    pending: list[str] = []  # keyless layers since the last member of the current run
    for node_id in order:
        key = keyed.get(node_id)
        if key is None:
            pending.append(node_id)
            continue
        if current is not None and current[0] == key and len(pending) <= MAX_NAMELESS_RUN:
            current[1].extend(pending)
        else:
            current = (key, [])
            runs.append(current)
        current[1].append(node_id)
        pending = []
    return runs


# ----- cut points ----------------------------------------------------------------------------------------
def _segments(spec: ModelSpec, order: list[str], excluded: set[str]) -> list[tuple[str, list[str]]]:
    """The layers between two cut points (every input-to-output path passes through a cut point), each named
    after its last layer; a plain stack is all cut points, so it has no segments."""
    consumers: dict[str, int] = {node_id: 0 for node_id in order}
    for node in spec.nodes.values():
        for source in node.inputs:
            consumers[source] += 1
    open_from: dict[str, int] = {}  # source -> its connections to layers not yet reached
    segments: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for node_id in order:
        for source in spec.nodes[node_id].inputs:
            open_from[source] -= 1
            if not open_from[source]:
                del open_from[source]
        if consumers[node_id]:
            open_from[node_id] = consumers[node_id]
        current.append(node_id)
        if set(open_from) <= {node_id}:  # all that flows on comes from this layer
            members = [n for n in current if n not in excluded]
            if len(members) >= MIN_GROUP_SIZE:
                segments.append((_segment_name(members), members))
            current = []
    return segments


def _segment_name(members: list[str]) -> str:
    """The name prefix that most members share (`block5`, `block35_1`), else the last layer's name (`mixed0`,
    where the others have Keras's automatic names such as `conv2d_15`)."""
    counts: dict[str, int] = {}
    for member in members:
        for key in _prefix_keys(member):
            counts[key] = counts.get(key, 0) + 1
    shared = [key for key, count in counts.items() if count >= 3]
    return max(shared, key=lambda key: (counts[key], len(key))) if shared else members[-1]


# ----- closed groups -------------------------------------------------------------------------------------
def _closed(consumers: dict[str, list[str]], members: set[str]) -> bool:
    """No path leaves the group and comes back into it (collapsed, the graph would feed itself)."""
    outside_reached: set[str] = set()
    stack = [c for m in members for c in consumers[m] if c not in members]
    while stack:
        node_id = stack.pop()
        if node_id in outside_reached:
            continue
        if node_id in members:
            return False
        outside_reached.add(node_id)
        stack.extend(consumers[node_id])
    return True


def consumer_map(spec: ModelSpec) -> dict[str, list[str]]:
    """Node id -> the nodes it feeds, for all nodes at once (`spec.consumers` scans the graph per call)."""
    consumers: dict[str, list[str]] = {node_id: [] for node_id in spec.nodes}
    for node in spec.nodes.values():
        for source in node.inputs:
            if source in consumers:
                consumers[source].append(node.id)
    return consumers

