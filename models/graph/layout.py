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


def layered_layout(spec: ModelSpec) -> dict[str, Placement]:
    """Row and column for every node; a graph with a cycle falls back to one column in insertion order."""
    try:
        order = spec.topological_order()
    except GraphError:
        return {nid: Placement(i, 0.0) for i, nid in enumerate(spec.nodes)}
    rows: dict[str, int] = {}
    for nid in order:
        inputs = [i for i in spec.nodes[nid].inputs if i in rows]
        rows[nid] = 1 + max((rows[i] for i in inputs), default=-1)
    position_in_order = {nid: i for i, nid in enumerate(order)}
    by_row: dict[int, list[str]] = {}
    for nid in order:
        by_row.setdefault(rows[nid], []).append(nid)

    columns: dict[str, float] = {}
    for row in sorted(by_row):
        members = by_row[row]
        wanted = {}
        for position, nid in enumerate(members):
            parents = [columns[i] for i in spec.nodes[nid].inputs if i in columns]
            # a node keeps its first input's column (straight stacks); unfed nodes go in insertion order
            wanted[nid] = parents[0] if parents else float(position)
        placed: list[float] = []
        for nid in sorted(members, key=lambda n: (wanted[n], position_in_order[n])):
            column = wanted[nid]
            if placed and column < placed[-1] + 1:
                column = placed[-1] + 1  # push right of the previous node in this row
            placed.append(column)
            columns[nid] = column
    return {nid: Placement(rows[nid], columns[nid]) for nid in order}
