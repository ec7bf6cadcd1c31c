"""The project file: round trip, strict reading with named errors, atomic saves, migrations."""

import json
import os
import re

import pytest

from models.checks.validate import validate
from models.graph import project as project_module
from models.graph.project import Project, ProjectError
from models.templates import load_template, template_names
from tests.paths import ROOT

DOC = ROOT / "docs" / "project-format.md"


def doc_example() -> str:
    return re.search(r"```json\n(.*?)```", DOC.read_text(), re.S).group(1)


def minimal(**model) -> dict:
    return {"format_version": 1, "model": {"layers": [{"id": "x", "type": "Input", "params": {"shape": [4]}},
                                                      {"id": "d", "type": "Dense", "params": {"units": 2}}],
                                           **model}}


def error_of(data) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        Project.from_json(data if isinstance(data, str) else json.dumps(data))
    return info.value


def test_documented_example_loads_and_is_valid():
    project = Project.from_json(doc_example())
    report = validate(project.spec)
    assert report.valid, [p.message for p in report.problems]
    assert project.spec.node("merge").inputs == ["conv2", "shortcut"]
    assert project.spec.node("conv1").inputs == ["image"]  # inputs left out: the layer before
    assert project.layout["conv1"] == [0.0, 90.0]


def test_round_trip_keeps_everything(tmp_path):
    project = Project.from_json(doc_example())
    project.runs.append({"id": "run-1", "final_loss": 0.1})
    path = tmp_path / "p.strata.json"
    project.save(path)
    again = Project.load(path)
    assert again.to_dict() == project.to_dict()
    assert again.to_json() == path.read_text()


@pytest.mark.parametrize("name", template_names())
def test_templates_load_by_name_and_validate(name):
    project = load_template(name)
    report = validate(project.spec)
    assert report.valid, [p.message for p in report.problems]
    assert project.description


@pytest.mark.parametrize("mutate, node, field, text", [
    (lambda d: d["model"]["layers"][1].update(type="Dence"), "d", "type", "unknown type 'Dence'"),
    (lambda d: d["model"]["layers"][1].update(type="dense"), "d", "type", "Did you mean 'Dense'?"),
    (lambda d: d["model"]["layers"][1]["params"].update(unitz=3), "d", "unitz", "has no parameter 'unitz'"),
    (lambda d: d["model"]["layers"][1]["params"].update(units="ten"), "d", "units",
     "units must be a whole number, got 'ten'"),
    (lambda d: d["model"]["layers"][1].update(inputs=["ghost"]), "d", "inputs", "fed by 'ghost', which does not"),
    (lambda d: d["model"]["layers"][1].update(id="x"), "x", "id", "appears twice"),
    (lambda d: d["model"]["layers"][1].update(colour="red"), "d", "colour", "unknown field 'colour'"),
    (lambda d: d["model"].update(outputs=["nope"]), "nope", "outputs", "Output 'nope' is not a layer"),
])
def test_strict_reading_names_node_and_field(mutate, node, field, text):
    data = minimal()
    mutate(data)
    error = error_of(data)
    assert text in str(error)
    assert (error.node, error.field) == (node, field)


def test_cycle_and_structural_errors():
    data = minimal()
    data["model"]["layers"].append({"id": "e", "type": "Dense", "params": {"units": 2}, "inputs": ["f"]})
    data["model"]["layers"].append({"id": "f", "type": "Dense", "params": {"units": 2}, "inputs": ["e"]})
    assert "cycle" in str(error_of(data))
    assert "not valid JSON" in str(error_of('{"format_version": 1, "model": {'))
    assert "no 'model' section" in str(error_of({"format_version": 1}))
    assert "format_version" in str(error_of({"model": {"layers": []}}))
    assert "newer Strata" in str(error_of({"format_version": 99, "model": {"layers": []}}))
    assert "Unknown section 'modle'" in str(error_of({"format_version": 1, "modle": {}, "model": {"layers": []}}))
    assert "JSON object at the top level" in str(error_of("[1, 2]"))


def test_named_attention_inputs(tmp_path):
    data = {"format_version": 1, "model": {"layers": [
        {"id": "q", "type": "Input", "params": {"shape": [6, 8]}},
        {"id": "v", "type": "Input", "params": {"shape": [9, 8]}},
        {"id": "att", "type": "MultiHeadAttention", "params": {"num_heads": 2, "key_dim": 4},
         "inputs": {"query": "q", "value": "v"}}]}}
    project = Project.from_json(json.dumps(data))
    assert project.spec.node("att").inputs == ["q", "v"]
    assert validate(project.spec).nodes["att"].output_shape == (6, 8)
    saved = project.to_dict()["model"]["layers"][2]
    assert saved["inputs"] == {"query": "q", "value": "v"}
    data["model"]["layers"][2]["inputs"] = {"query": "q", "valeu": "v"}
    assert "unknown input 'valeu'" in str(error_of(data))


def test_atomic_save_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "p.strata.json"
    Project.from_json(doc_example()).save(path)
    before = path.read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        Project(name="new").save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.strata.json"]  # no temp file left behind


def test_unreadable_files(tmp_path):
    binary = tmp_path / "b.strata.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a text file" in str(pytest.raises(ProjectError, Project.load, binary).value)
    assert "There is no file" in str(pytest.raises(ProjectError, Project.load, tmp_path / "none").value)


def test_migration_hook_upgrades_old_formats(monkeypatch):
    """A future format 2 renames 'layers' to 'nodes'; a format-1 file must still open."""
    monkeypatch.setattr(project_module, "FORMAT_VERSION", 2)

    def one_to_two(data):
        data["model"] = dict(data["model"], nodes=data["model"].pop("layers"))
        return data

    monkeypatch.setitem(project_module.MIGRATIONS, 1, one_to_two)
    migrated = project_module.migrate(minimal())
    assert migrated["format_version"] == 2 and "nodes" in migrated["model"]
    monkeypatch.delitem(project_module.MIGRATIONS, 1)
    assert "can no longer be read" in str(pytest.raises(ProjectError, project_module.migrate, minimal()).value)
