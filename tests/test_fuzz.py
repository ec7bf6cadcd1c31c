"""A few hundred seeded fuzz cases of project files, images and arrays through the real loaders (bench/fuzz.py
runs thousands): every case ends in the loader's own error or a result the rest of Strata can use."""

from __future__ import annotations

import pytest

from tests.fuzzing import (
    Tally,
    array_files,
    check_array_file,
    check_image_bytes,
    check_project_file,
    image_bytes,
    project_texts,
    run_case,
)


def assert_no_surprises(tally: Tally) -> None:
    assert not tally.unexpected, f"{len(tally.unexpected)} unexpected exception(s); first:\n{tally.unexpected[0]}"
    assert tally.slowest_s < 20, f"a case took {tally.slowest_s:.1f} s"


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_project_files(tmp_path, seed):
    tally = Tally()
    for text in project_texts(seed, 100):
        run_case(lambda t=text: check_project_file(t, tmp_path), tally)
    assert_no_surprises(tally)
    assert tally.clean > 20 and tally.ok > 5  # both paths are exercised


def test_fuzzed_images(tmp_path):
    tally = Tally()
    for data in image_bytes(3, 150):
        run_case(lambda d=data: check_image_bytes(d, tmp_path), tally)
    assert_no_surprises(tally)
    assert tally.clean > 10 and tally.ok > 10


def test_fuzzed_npz_and_csv(tmp_path):
    tally = Tally()
    for kind, data in array_files(4, 120):
        run_case(lambda k=kind, d=data: check_array_file(k, d, tmp_path), tally)
    assert_no_surprises(tally)
    assert tally.clean > 10 and tally.ok > 5


def test_fuzzed_projects_that_load_open_in_the_window(qtbot, tmp_path, main_window_factory):
    """What loads must also open: the canvas, inspector, Summary, Data, Training, Runs and Inspection views
    all draw it (pytest-qt fails the test on any exception raised inside a Qt slot or event)."""
    from PySide6.QtCore import QSettings

    from models.graph.project import Project, ProjectError

    window = main_window_factory(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    opened = 0
    for index, text in enumerate(project_texts(5, 150)):
        path = tmp_path / f"p{index}.strata.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            Project.load(path)
        except ProjectError:
            continue
        window.editor.document.undo_stack.setClean()
        assert window.open_project(path)
        qtbot.wait(5)
        opened += 1
    window.editor.data_panel.cancel()
    assert opened >= 10
