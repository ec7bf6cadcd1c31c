"""What every file Strata reads is checked for before it is opened: that it is a regular file, and of a size
its reader can hold.

Opening a FIFO for reading blocks until something writes to it (forever, for a project "file" that is a
named pipe), and a device or socket is never a project, image or table; so the kind is read with `stat`,
which does not open the file. Each reader raises its own error class with the message returned here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def file_problem(path: str | Path, what: str, max_bytes: int | None = None) -> str | None:
    """Why `path` cannot be read as `what` ("project", "image"...), or None. Never opens the file."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"there is no file {path}"
    except PermissionError:
        return f"Strata is not allowed to read {path.name} (permission denied)"
    except OSError as error:
        return f"{path} could not be read: {error.strerror or error}"
    article = "an" if what[:1].lower() in "aeio." else "a"
    if stat.S_ISDIR(info.st_mode):
        return f"{path} is a folder, not {article} {what} file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        return f"{path.name} is {kind}, not {article} {what} file"
    if max_bytes is not None and info.st_size > max_bytes:
        return (f"{path.name} is {size_text(info.st_size)}, more than {article} {what} file can be "
                f"({size_text(max_bytes)})")
    return None


def size_text(count: int) -> str:
    """A byte count for messages: '1.2 GB', '300 MB', '12 KB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count >= scale:
            value = count / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{count} bytes"
