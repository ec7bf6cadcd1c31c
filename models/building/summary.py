"""The model summary as rows and totals, Keras's `model.summary()` order and units: what the Summary dock shows
and what `python main.py summary` prints, from the same code."""

from __future__ import annotations

from dataclasses import dataclass

from models.checks.shapes import keras_shape
from models.checks.validate import NodeReport, ValidationReport
from models.formatting import bytes_text, count_text
from models.graph.spec import GraphError, ModelSpec

COLUMNS = ("Layer (type)", "Output shape", "Param #", "MACs", "Connected to")
BYTES_PER_PARAM = 4  # float32, as Keras's own summary assumes


@dataclass(frozen=True)
class SummaryRow:
    node: str
    cells: tuple[str, str, str, str, str]
    severity: str | None  # "error", "warning" or None
    tooltip: str


def summary_rows(spec: ModelSpec, report: ValidationReport) -> list[SummaryRow]:
    """Rows in topological order (Keras's order), or the spec's own order when a cycle leaves none."""
    try:
        order = spec.topological_order()
    except GraphError:
        order = list(spec.nodes)
    by_node: dict[str, list] = {}
    for problem in report.problems:
        by_node.setdefault(problem.node, []).append(problem)
    rows = []
    for nid in order:
        node = spec.nodes[nid]
        result = report.nodes.get(nid) or NodeReport(nid, node.type)
        problems = by_node.get(nid, [])
        severities = {p.severity for p in problems}
        severity = "error" if "error" in severities else ("warning" if severities else None)
        cells = (f"{nid} ({node.type})", keras_shape(result.output_shape), f"{result.params:,}",
                 count_text(result.macs), ", ".join(node.inputs))
        rows.append(SummaryRow(nid, cells, severity, "\n".join(p.message for p in problems)))
    return rows


def totals_text(report: ValidationReport, batch_size: int) -> str:
    """One line under the table; shared wording so tests and docs can quote it."""
    weights = bytes_text(report.total_params * BYTES_PER_PARAM)
    memory = bytes_text(report.activation_memory(batch_size), digits=1)
    return (f"Total params: {report.total_params:,} ({weights}) · Trainable: {report.trainable_params:,} · "
            f"Non-trainable: {report.non_trainable_params:,} · MACs: {count_text(report.total_macs)} · "
            f"Activation memory at batch {batch_size}: {memory}")
