"""Automatic top-to-bottom placement of a model graph (a small layered DAG layout, Sugiyama style).

Each layer goes one row below the deepest of its inputs; within a row, nodes are ordered by the mean
column of their inputs (barycentre), so a plain stack is one straight column and branches sit side by
side under the layer they leave. Pure Python: the canvas, tests and exports share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.graph.spec import GraphError, ModelSpec


@dataclass(frozen=True)
class Placement:
    """Grid coordinates of one node: `row` counts down from the inputs, `column` may be fractional."""

    row: int
    column: float


def layered_layout(spec: ModelSpec, drawn_as: dict[str, str] | None = None) -> dict[str, Placement]:
    """Row and column for every node; a graph with a cycle falls back to one column in insertion order.

    `drawn_as` maps a node to the vertex it is drawn as (a collapsed group): those nodes share one placement,
    keyed by that vertex, and the connections between them vanish."""
    drawn_as = drawn_as or {}
    inputs: dict[str, list[str]] = {}
    for node in spec.nodes.values():
        vertex = drawn_as.get(node.id, node.id)
        feeds = inputs.setdefault(vertex, [])
        for source in node.inputs:
            source_vertex = drawn_as.get(source, source)
            if source in spec.nodes and source_vertex != vertex and source_vertex not in feeds:
                feeds.append(source_vertex)
    try:
        order = _topological(inputs)
    except GraphError:
        return {vertex: Placement(i, 0.0) for i, vertex in enumerate(inputs)}
    return _place(order, inputs)


def _topological(inputs: dict[str, list[str]]) -> list[str]:
    pending = {vertex: set(feeds) for vertex, feeds in inputs.items()}
    consumers: dict[str, list[str]] = {vertex: [] for vertex in inputs}
    for vertex, feeds in inputs.items():
        for source in feeds:
            consumers[source].append(vertex)
    order: list[str] = []
    ready = [vertex for vertex, feeds in pending.items() if not feeds]
    while ready:
        vertex = ready.pop(0)
        order.append(vertex)
        for other in consumers[vertex]:
            pending[other].discard(vertex)
            if not pending[other]:
                ready.append(other)
    if len(order) < len(inputs):
        raise GraphError("the graph has a cycle")
    return order


def _place(order: list[str], inputs: dict[str, list[str]]) -> dict[str, Placement]:
    rows: dict[str, int] = {}
    for vertex in order:
        rows[vertex] = 1 + max((rows[i] for i in inputs[vertex]), default=-1)
    position_in_order = {vertex: i for i, vertex in enumerate(order)}
    by_row: dict[int, list[str]] = {}
    for vertex in order:
        by_row.setdefault(rows[vertex], []).append(vertex)

    spine = _main_path(order, inputs, rows)
    columns: dict[str, float] = {}
    for row in sorted(by_row):
        members = by_row[row]
        wanted = {}
        for position, vertex in enumerate(members):
            parents = [columns[i] for i in inputs[vertex] if i in columns]
            # a node keeps its first input's column (straight stacks); unfed nodes go in insertion order
            wanted[vertex] = parents[0] if parents else float(position)
        ordered = sorted(members, key=lambda v: (wanted[v], position_in_order[v]))
        placed: list[float] = []
        for vertex in ordered:
            column = wanted[vertex]
            if placed and column < placed[-1] + 1:
                column = placed[-1] + 1  # push right of the previous node in this row
            placed.append(column)
        # pushing only rightwards would drift a wide graph's main path further right row after row, a
        # staircase down the screen: the row moves back so its main-path layer stays under the one before
        spine_vertex = spine.get(row)
        shift = 0.0
        if spine_vertex is not None:
            above = spine.get(row - 1)
            straight = columns[above] if above in columns else wanted[spine_vertex]
            shift = dict(zip(ordered, placed, strict=True))[spine_vertex] - straight
        for vertex, column in zip(ordered, placed, strict=True):
            columns[vertex] = column - shift
    return {vertex: Placement(rows[vertex], columns[vertex]) for vertex in order}


def _main_path(order: list[str], inputs: dict[str, list[str]], rows: dict[str, int]) -> dict[int, str]:
    """Row -> the vertex on the longest input-to-output path in that row: the spine drawn straight down."""
    if not order:
        return {}
    vertex = max(reversed(order), key=lambda v: rows[v])  # the deepest output, the first of equals
    path = {rows[vertex]: vertex}
    while inputs[vertex]:
        vertex = next(i for i in inputs[vertex] if rows[i] == rows[vertex] - 1)
        path[rows[vertex]] = vertex
    return path
