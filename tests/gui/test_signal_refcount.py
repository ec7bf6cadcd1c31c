"""Guards against PySide6 6.12.0 on Python 3.11, where every Signal.emit() leaks a reference of True
and the process later aborts (see ENVIRONMENT.md). A pinned, sane PySide6 keeps the count steady."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    value = Signal(object)


def test_ten_thousand_emits_keep_bool_refcounts(qapp):
    emitter = _Emitter()
    received = [0]

    def count(_value) -> None:  # keeps no reference to what it receives
        received[0] += 1

    emitter.flag.connect(count)
    emitter.value.connect(count)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(10_000):
        emitter.flag.emit(True)
    for _ in range(10_000):
        emitter.value.emit(None)
    after_true, after_none = sys.getrefcount(True), sys.getrefcount(None)
    assert received[0] == 20_000
    # Allow a handful of incidental references from the interpreter, never one per emit.
    assert abs(after_true - before_true) < 50, (before_true, after_true)
    assert abs(after_none - before_none) < 50, (before_none, after_none)
