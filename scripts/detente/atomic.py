"""Writing a file so that readers see the old bytes or the new, never a part."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from detente.errors import InputError


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.

    Only a regular file (or nothing) is replaced: renaming over a device, a folder or a symbolic link would
    replace it rather than write to it.
    """
    check_writable_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_writable_file(path: Path) -> None:
    """Before any work: `path` is a regular file or does not exist yet, so write_bytes_atomically may replace it."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise InputError(str(path), "exists and is not a regular file: give a file path to write")
