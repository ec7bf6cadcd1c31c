"""The headless model commands: summary (text and JSON), validate, export-code."""

import json
import re
import subprocess
import sys
from pathlib import Path

from models.graph.project import Project
from models.graph.spec import ModelSpec
from models.templates import template_path
from tests.paths import ROOT


def strata(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def doc_example(tmp_path) -> Path:
    text = re.search(r"```json\n(.*?)```", (ROOT / "docs" / "project-format.md").read_text(), re.S).group(1)
    path = tmp_path / "example.strata.json"
    path.write_text(text)
    return path


def test_summary_accepts_the_documented_example(tmp_path):
    result = strata("summary", doc_example(tmp_path))
    assert result.returncode == 0, result.stderr
    assert re.search(r"conv1\s+Conv2D\s+\(None, 26, 26, 16\)\s+160", result.stdout)
    assert "Total params:" in result.stdout and "Activation memory at batch 32:" in result.stdout


def test_summary_json_for_scripts():
    result = strata("summary", template_path("lenet"), "--json")
    data = json.loads(result.stdout)
    assert data["layers"][1] == {"name": "conv2d_1", "type": "Conv2D", "output_shape": [None, 28, 28, 6],
                                 "params": 156}
    assert data["total_params"] == data["trainable_params"] == 61281


def test_validate_exit_status(tmp_path):
    assert strata("validate", template_path("resnet")).returncode == 0
    spec = ModelSpec()
    spec.add_node("Input", {"shape": [5, 5, 1]})
    spec.append("Conv2D", {"filters": 2, "kernel_size": 7})
    bad = tmp_path / "bad.strata.json"
    Project(spec=spec).save(bad)
    result = strata("validate", bad)
    assert result.returncode == 1
    assert "error: Conv2D 'conv2d_1': kernel_size 7x7 is larger than its 5x5 input" in result.stdout
    assert "[fix: Use padding='same' | Use kernel_size 5x5]" in result.stdout


def test_broken_file_gives_a_message_not_a_traceback(tmp_path):
    broken = tmp_path / "broken.strata.json"
    broken.write_text('{"format_version": 1, "model": {"layers": [{"id": "x", "type": "Imput"}]}}')
    result = strata("summary", broken)
    assert result.returncode == 2
    assert "unknown type 'Imput'" in result.stderr and "Traceback" not in result.stderr


def test_export_code_writes_a_runnable_file(tmp_path):
    out = tmp_path / "lenet_model.py"
    result = strata("export-code", template_path("lenet"), "-o", out)
    assert result.returncode == 0, result.stderr
    run = subprocess.run([sys.executable, str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "Total params: 61,281" in run.stdout


def test_the_cli_summary_prints_what_the_window_shows(tmp_path):
    """One summary model: Keras's layer order (not the file's) and the same totals line, units included."""
    import io
    import json

    from models.building.summary import summary_rows, totals_text
    from models.checks.validate import validate
    from models.cli.commands import summary
    from models.graph.project import Project

    path = tmp_path / "order.strata.json"
    path.write_text(json.dumps({"format_version": 1, "model": {"layers": [
        {"id": "x", "type": "Input", "params": {"shape": [4]}},
        {"id": "second", "type": "Dense", "params": {"units": 2}, "inputs": ["first"]},
        {"id": "first", "type": "Dense", "params": {"units": 3}, "inputs": ["x"]}]}}))
    out = io.StringIO()
    assert summary(path, out=out) == 0
    project = Project.load(path)
    report = validate(project.spec)
    printed = [line.split()[0] for line in out.getvalue().splitlines()[3:6]]
    assert printed == [row.node for row in summary_rows(project.spec, report)] == ["x", "first", "second"]
    assert totals_text(report, 32) in out.getvalue()


def test_import_turns_a_keras_file_into_a_project_with_its_weights(tmp_path):
    script = (
        "import keras\n"
        "inputs = keras.Input((8, 8, 3), name='pixels')\n"
        "x = keras.layers.Conv2D(4, 3, name='conv')(inputs)\n"
        "x = keras.layers.UnitNormalization(name='unit')(x)\n"
        "x = keras.layers.GlobalAveragePooling2D(name='pool')(x)\n"
        "keras.Model(inputs, keras.layers.Dense(2, name='out')(x), name='tiny').save(r'%s')\n"
    ) % (tmp_path / "tiny.keras")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, capture_output=True)
    result = strata("import", tmp_path / "tiny.keras", "-o", tmp_path / "tiny.strata.json")
    assert result.returncode == 0, result.stderr
    assert "Imported tiny: 5 layers" in result.stdout and "1 kept as Keras's own configuration" in result.stdout
    project = Project.load(tmp_path / "tiny.strata.json")
    assert [n.type for n in project.spec.nodes.values()] == ["Input", "Conv2D", "KerasLayer",
                                                               "GlobalAveragePooling2D", "Dense"]
    assert project.runs[-1]["status"] == "imported"
    assert (tmp_path / project.runs[-1]["model_file"]).is_file()
    summary = strata("summary", tmp_path / "tiny.strata.json")
    assert "Total params: 122" in summary.stdout  # 3*3*3*4 + 4 and 4*2 + 2
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    refused = strata("import", tmp_path / "broken.keras", "-o", tmp_path / "broken.strata.json")
    assert refused.returncode == 1 and "not a Keras model file" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "broken.strata.json").exists()


def test_inspect_writes_every_layers_output_for_an_image_or_an_array(tmp_path):
    import numpy as np
    from PIL import Image

    project = tmp_path / "lenet.strata.json"
    project.write_text(template_path("lenet").read_text())
    Image.new("RGB", (50, 40), (200, 30, 30)).save(tmp_path / "red.png")
    result = strata("inspect", project, tmp_path / "red.png", "-o", tmp_path / "all.npz")
    assert result.returncode == 0, result.stderr
    assert "random weights" in result.stdout  # no run saved yet: said, not hidden
    arrays = np.load(tmp_path / "all.npz")
    assert arrays["conv2d_1"].shape == (28, 28, 6) and arrays["dense_3"].shape == (5,)  # its 5 shapes
    np.save(tmp_path / "zeros.npy", np.zeros((28, 28, 1), np.float32))
    one = strata("inspect", project, tmp_path / "zeros.npy", "-o", tmp_path / "two.npz", "--layers", "conv2d_1,dense_3")
    assert one.returncode == 0 and sorted(np.load(tmp_path / "two.npz").files) == ["conv2d_1", "dense_3"]
    wrong = strata("inspect", project, tmp_path / "zeros.npy", "-o", tmp_path / "x.npz", "--layers", "nope")
    assert wrong.returncode == 1 and "no layer 'nope'" in wrong.stderr and "Traceback" not in wrong.stderr
    np.save(tmp_path / "bad.npy", np.zeros((5, 5), np.float32))
    misfit = strata("inspect", project, tmp_path / "bad.npy", "-o", tmp_path / "y.npz")
    assert misfit.returncode == 1 and "(5, 5)" in misfit.stderr.replace("5x5", "(5, 5)")


def test_inspect_uses_the_imported_weights_saved_with_the_project(tmp_path):
    import numpy as np

    model_file, expected_file = tmp_path / "tiny.keras", tmp_path / "expected.npy"
    script = (
        "import keras, numpy as np\n"
        "inputs = keras.Input((6,), name='x')\n"
        "out = keras.layers.Dense(3, name='head')(inputs)\n"
        "model = keras.Model(inputs, out)\n"
        f"model.save(r'{model_file}')\n"
        f"np.save(r'{expected_file}', model(np.ones((1, 6), 'float32')).numpy()[0])\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, capture_output=True)
    assert strata("import", tmp_path / "tiny.keras", "-o", tmp_path / "tiny.strata.json").returncode == 0
    np.save(tmp_path / "ones.npy", np.ones(6, np.float32))
    result = strata("inspect", tmp_path / "tiny.strata.json", tmp_path / "ones.npy", "-o", tmp_path / "head.npy",
                    "--layers", "head")
    assert result.returncode == 0 and "imported weights of import-1" in result.stdout
    np.testing.assert_allclose(np.load(tmp_path / "head.npy"), np.load(tmp_path / "expected.npy"), atol=1e-6)
