"""One writer at a time on a corpus: every command that writes sources or publishes a release (add, preannotate,
labelstudio import, splits, build) holds an exclusive lock on the corpus's source folder while it runs.

The lock is an advisory `flock` on `.detente.lock` inside the source folder itself (git-ignored), so every process
that writes that corpus meets the same file whatever its environment (a private or per-user temporary folder would
split it), and it dies with its process (no stale lock after a crash; the empty file stays). A second command
waits, saying what holds the lock, and gives up with a clear error after `wait_seconds`. POSIX only (fcntl).
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from detente.errors import InputError

WAIT_SECONDS = 600.0
POLL_SECONDS = 0.05
LOCK_NAME = ".detente.lock"


def lock_path(source_dir: Path) -> Path:
    return source_dir.resolve() / LOCK_NAME


@contextmanager
def corpus_lock(source_dir: Path, command: str, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the corpus lock of `source_dir` for the block; wait for another holder, up to `wait_seconds`
    (default WAIT_SECONDS, read when called)."""
    wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
    path = lock_path(source_dir)
    if not source_dir.is_dir():
        raise InputError(str(source_dir), "no such corpus source folder (annotated/source of a DETENTE repository)")
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as err:
        raise InputError(str(path), f"cannot open the corpus lock: {err.strerror}") from None
    try:
        deadline, told = time.monotonic() + wait_seconds, False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "another detente command"
                if time.monotonic() > deadline:
                    raise InputError(str(source_dir), f"{holder} has been writing this corpus for over {wait_seconds:.0f} s (lock {path}); try again later") from None
                if not told:
                    print(f"detente {command}: waiting for {holder}, which is writing {source_dir}", file=sys.stderr)
                    told = True
                time.sleep(POLL_SECONDS)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"detente {command} (pid {os.getpid()})".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
