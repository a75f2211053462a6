"""SQLite runs one worker at a time: a second one is refused and says why.

SQLite has no ``SKIP LOCKED`` and one writer at a time, so two workers would
claim the same messages. The guard is an OS file lock beside the database file,
released by the kernel when the holder exits (even when killed).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WorkerAlreadyRunning(RuntimeError):
    """Another worker holds this SQLite database."""


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


@contextmanager
def single_worker(database_url: str) -> Iterator[None]:
    """Hold the SQLite worker lock (no-op on PostgreSQL, where workers run side by side)."""
    path = sqlite_path(database_url)
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".worker.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerAlreadyRunning(
                f"another worker is already running on {path}: SQLite allows one worker at a time "
                "(use PostgreSQL to run several)"
            ) from None
        yield
    finally:
        os.close(fd)
