"""Screenshots for the README and the docs, taken from the real window on a (virtual) screen.

Run under Xvfb: `make screenshot` (= `xvfb-run python -m gui.screenshot docs/screenshots`).
Each shot is grabbed from the X screen itself, so it shows exactly what a person would see.
"""

from __future__ import annotations

import sys
from pathlib import Path

from models.environment import configure_keras_environment

configure_keras_environment()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.app import create_application  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from models.templates import load_template  # noqa: E402


def grab_window(window: MainWindow, path: Path) -> None:
    QApplication.processEvents()
    screen = window.screen()
    frame = window.frameGeometry()
    pixmap = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    if not pixmap.save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = create_application([])
    window = MainWindow(offer_recovery=False)
    window.resize(1360, 860)
    window.move(20, 20)

    editor = window.editor
    # (file name, template, layer to select so the inspector shows its form, or None)
    shots = [("main-window.png", None, None), ("editor-vit.png", "vit", "block1_attention"),
             ("editor-resnet.png", "resnet", "block2_conv1")]

    def shoot(_info: object = None) -> None:
        for name, template, selected in shots:
            if template:
                editor.document.replace(load_template(template), None)
                editor.canvas.show_model(0.8)
                if selected in editor.document.spec:
                    editor.canvas.select([selected])
                window.docks["summary"].raise_()
            for _ in range(5):
                QApplication.processEvents()
            grab_window(window, out_dir / name)
        editor.document.undo_stack.setClean()
        window.close()

    window.runtime_ready.connect(lambda info: QTimer.singleShot(300, shoot))
    QTimer.singleShot(60_000, app.quit)  # never hang a build if TensorFlow does not load
    window.show()
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
