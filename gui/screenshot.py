"""Screenshots for the README and the docs, taken from the real window on a (virtual) screen.

Run under Xvfb: `make screenshot` (= `xvfb-run python -m gui.screenshot docs/screenshots`).
Each shot is grabbed from the X screen itself, so it shows exactly what a person would see.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from models.environment import configure_keras_environment

configure_keras_environment()

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from models.templates import load_template  # noqa: E402


def grab_window(window: MainWindow, path: Path) -> None:
    settle = QEventLoop()  # a moment for what was just switched or drawn to be laid out and painted
    QTimer.singleShot(400, settle.quit)
    settle.exec()
    screen = window.screen()
    frame = window.frameGeometry()
    pixmap = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    if not pixmap.save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


def wait_for(signal, timeout_ms: int = 300_000) -> None:
    """Run the event loop until `signal` fires (training, loading and inspection all finish asynchronously)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def settle(ms: int) -> None:
    """Run the event loop for `ms` (what is already computed gets drawn)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def train(window: MainWindow, template: str, dataset: dict, epochs: int, batch_size: int = 32) -> None:
    """Open a template, load its data, train it: what a person does before looking inside."""
    editor = window.editor
    project = load_template(template)
    project.dataset = dataset
    project.training = {**project.training, "epochs": epochs, "batch_size": batch_size}
    editor.document.replace(project, None)
    wait_for(editor.data_panel.dataset_loaded)
    editor.training.start()
    wait_for(editor.training.finished)
    if editor.inspection.input is not None:
        wait_for(editor.inspection.updated)  # the static views recomputed with the trained model


def inspection_shots(window: MainWindow, out_dir: Path) -> None:
    """The README's looking-inside pictures: a photo through a trained CNN, ViT attention, a boundary."""
    panel = window.editor.inspection
    window.workspaces.switch("inspect")  # the Inspect workspace, as a user would have it
    window.workspaces.follow_training.setChecked(False)  # stay in Inspect while the shots' model trains
    train(window, "vgg", {"source": "shapes", "options": {"size": 32, "color": True, "count_per_class": 300}}, 4)
    window.workspaces.switch("train")  # the curves of the run just finished, in their own workspace
    grab_window(window, out_dir / "train-workspace.png")
    window.workspaces.switch("inspect")
    panel.load_photo("cat")
    wait_for(panel.updated)
    panel.tabs.setCurrentWidget(panel.tab_views["Overview"])
    grab_window(window, out_dir / "inspect-cat-overview.png")
    panel.tabs.setCurrentWidget(panel.feature_maps)
    panel.select_layer(panel.feature_maps.layer_combo.itemData(1))
    grab_window(window, out_dir / "inspect-cat-feature-maps.png")

    train(window, "vit", {"source": "shapes", "options": {"size": 32, "color": True, "count_per_class": 300}}, 6)
    panel.load_dataset_sample(3)
    wait_for(panel.updated)
    attention = panel.tab_views["Attention"]
    panel.tabs.setCurrentWidget(attention)
    attention.layer_combo.setCurrentIndex(attention.layer_combo.count() - 1)  # rollout
    grab_window(window, out_dir / "inspect-vit-attention.png")

    train(window, "mlp", {"source": "toy2d", "options": {"kind": "spirals"}}, 60)
    panel.load_dataset_sample(0)
    wait_for(panel.updated)
    panel.tabs.setCurrentWidget(panel.tab_views["Decision boundary"])
    grab_window(window, out_dir / "inspect-spirals-boundary.png")


def imported_shots(window: MainWindow, out_dir: Path) -> None:
    """Real networks in: ResNet50 with its blocks collapsed and one opened, and MobileNetV2's feature maps for the
    cat photo. ImageNet weights where Keras has them cached; offline (as on a build machine), random weights."""
    from models.building.applications import weights_available
    from models.building.import_project import project_from_application

    editor = window.editor
    window.workspaces.switch("build")
    resnet = project_from_application("ResNet50", weights=None)  # the graph is the point here, not the weights
    editor.document.replace_with_import(resnet.project, resnet.record["id"], resnet.model)
    editor.canvas.show_model()
    window.docks["summary"].raise_()
    grab_window(window, out_dir / "editor-resnet50-collapsed.png")
    editor.canvas.select(["conv2_block1_2_conv"])  # what Find or the summary do: its block opens in place
    editor.canvas.centerOn(editor.canvas.nodes["conv2_block1_1_bn"])  # the block's frame and header in view
    grab_window(window, out_dir / "editor-resnet50-expanded.png")

    weights = "imagenet" if weights_available("MobileNetV2") else None
    mobilenet = project_from_application("MobileNetV2", weights=weights)
    editor.document.replace_with_import(mobilenet.project, mobilenet.record["id"], mobilenet.model)
    editor.training.take_model(mobilenet.model, mobilenet.record)
    window.workspaces.switch("inspect")
    panel = editor.inspection
    panel.load_photo("cat")
    wait_for(panel.updated)
    panel.tabs.setCurrentWidget(panel.feature_maps)
    panel.select_layer("block_1_expand_relu")
    settle(500)  # the maps are computed already: only drawn
    grab_window(window, out_dir / "inspect-mobilenetv2-cat.png")


def mlp_project(name: str, widths: list[int]):
    """An MLP for the spirals with these hidden widths (the depth comparison's two sides)."""
    from models.graph.spec import LayerNode

    project = load_template("mlp")
    spec = project.spec
    spec.nodes = {"points": spec.nodes["points"]}
    previous = "points"
    for index, width in enumerate(widths, 1):
        spec.nodes[f"dense_{index}"] = LayerNode(f"dense_{index}", "Dense", {"units": width, "activation": "relu"},
                                                 [previous])
        previous = f"dense_{index}"
    spec.nodes["classes"] = LayerNode("classes", "Dense", {"units": 2, "activation": "softmax"}, [previous])
    project.name = name
    project.dataset = {"source": "toy2d", "options": {"kind": "spirals", "samples": 1000}}
    project.training = {"epochs": 40, "batch_size": 32, "learning_rate": 0.01}
    return project


def experiment_shots(window: MainWindow, out_dir: Path) -> None:
    """Does depth help? A shallow (1 x 128) and a deep (3 x 16) MLP of about the same size on the spirals, three
    seeds each, as mean ± std; then a learning-rate sweep of the deep one."""
    editor = window.editor
    panel = editor.training
    window.workspaces.switch("train")
    window.workspaces.follow_training.setChecked(False)
    groups = {}
    runs = []
    for label, widths in (("shallow 1x128", [128]), ("deep 3x16", [16, 16, 16])):
        project = mlp_project(label, widths)
        project.runs = runs  # one project: both groups in one table
        editor.document.replace(project, None)
        wait_for(editor.data_panel.dataset_loaded)
        panel.seeds_spin.setValue(3)
        panel.start()
        while panel.is_training() or panel.repeat is not None:
            wait_for(panel.finished)
        runs = list(editor.document.project.runs)
        groups[label] = runs[-1]["group"]
    for record in runs:  # the groups named by what they are
        record["group"] = next(label for label, group in groups.items() if group == record.get("group"))
    editor.document.runs_changed.emit()
    panel.runs.model.set_plotted(set(groups))
    panel.tabs.setCurrentWidget(panel.plots)
    grab_window(window, out_dir / "experiments-depth-seeds.png")
    panel.tabs.setCurrentWidget(panel.runs)
    grab_window(window, out_dir / "experiments-runs-table.png")

    from models.training.sweep import Sweep

    panel.seeds_spin.setValue(1)
    panel.runs.model.set_plotted(set())
    sweep = Sweep.from_dict({"search": "random", "trials": 10, "objective": "val_accuracy", "seed": 2,
                             "parameters": [{"target": "learning_rate", "min": 1e-4, "max": 1.0, "scale": "log"}]})
    panel.sweeps.start(sweep)
    wait_for(panel.finished)
    panel.tabs.setCurrentWidget(panel.sweep_view)
    grab_window(window, out_dir / "experiments-lr-sweep.png")


def main(out_dir: Path, only: str = "") -> int:
    """All the README's pictures; `--only imported` or `--only experiments` just those."""
    out_dir.mkdir(parents=True, exist_ok=True)
    app = create_application([])
    settings_dir = tempfile.TemporaryDirectory()  # a first start: no recent projects, default workspaces
    settings = QSettings(str(Path(settings_dir.name) / "strata.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, offer_recovery=False)
    window.resize(1360, 860)
    window.move(20, 20)
    window.workspaces.apply_default()  # sized to the shots' window

    editor = window.editor
    # (file name, template, layer to select so the inspector shows its form, or None)
    shots = [("start-page.png", None, None), ("editor-vit.png", "vit", "block1_attention"),
             ("editor-resnet.png", "resnet", "block2_conv1")]

    def shoot(_info: object = None) -> None:
        for name, template, selected in shots if not only else ():
            if template:
                editor.document.replace(load_template(template), None)
                editor.canvas.show_model()
                if selected in editor.document.spec:
                    editor.canvas.select([selected])
                window.docks["summary"].raise_()
            for _ in range(5):
                QApplication.processEvents()
            grab_window(window, out_dir / name)
        if not only:
            inspection_shots(window, out_dir)
        if only in ("", "imported"):
            imported_shots(window, out_dir)
        if only in ("", "experiments"):
            experiment_shots(window, out_dir)
        editor.document.undo_stack.setClean()
        window.close()

    window.runtime_ready.connect(lambda info: QTimer.singleShot(300, shoot))
    QTimer.singleShot(900_000, app.quit)  # never hang a build if something does not finish
    window.show()
    app.exec()
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    only = arguments[arguments.index("--only") + 1] if "--only" in arguments else ""
    folder = next((a for a in arguments if not a.startswith("--") and a != only), "docs/screenshots")
    sys.exit(main(Path(folder), only))
