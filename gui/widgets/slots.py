"""The one slot guard: an exception must never escape a Qt slot (PySide6 prints a traceback and can abort)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def guarded(slot: Callable) -> Callable:
    """Wrap a Qt slot so an exception is shown to the user (`self._slot_failed`) instead of escaping into Qt,
    which would print a traceback and leave the form half updated."""

    @functools.wraps(slot)
    def wrapper(self, *args: Any) -> Any:
        try:
            return slot(self, *args)
        except Exception as error:  # a slot must never raise
            log.exception("slot %s failed", slot.__name__)
            report = getattr(self, "_slot_failed", None)
            if report is not None:  # a widget without it still never lets the error reach Qt
                try:
                    report(f"Could not apply that: {error}")
                except Exception:  # noqa: BLE001 (reporting must not fail into Qt either)
                    log.exception("reporting a failed slot failed")
            return None

    return wrapper
