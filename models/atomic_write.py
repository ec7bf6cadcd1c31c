"""Writing a file so that a crash leaves the old version or the new one, never half a file.

The new content goes to a temporary file beside the real target, is flushed to disk, given the target's
permissions and renamed over it (`os.replace` is atomic within a folder). Through a symbolic link the link's
target is replaced and the link stays. A process killed mid-write leaves its temporary file behind; the name
carries the writer's process id, so the next Strata that opens or saves in that folder removes the files of
writers that are gone (`clean_stale_temp_files`), and never those of a Strata still writing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp(\.[a-z]+)?$")


def real_target(path: str | Path) -> Path:
    """The file a save must replace: a symbolic link's target (the link itself is kept)."""
    return Path(os.path.realpath(path))


def _mode_for(target: Path) -> int:
    """The existing file's permissions, or what a new file gets under the process's umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside the real target (same suffix, so Keras accepts `.keras`); write the new
    content there. On success it is synced, given the target's mode and renamed over the target; on any
    error it is removed and the target is untouched."""
    target = real_target(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp" + target.suffix,
                                         dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        with open(temp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | Path, text: str) -> None:
    """`path` holds `text` (UTF-8) afterwards, or, after a failure, what it held before."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


def pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs (a process of another user counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale_temp_files(folder: str | Path) -> int:
    """Remove the temporary files that writers which are no longer running left in `folder`; returns how many."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or pid_alive(int(match["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
        except OSError as error:
            log.warning("could not remove the stale temporary file %s: %s", entry.path, error)
    return removed
