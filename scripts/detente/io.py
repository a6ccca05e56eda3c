"""File I/O every stage shares: reading a regular file (never a FIFO or device), JSON and JSONL reading with located
errors, the one JSONL writer, the one atomic file writer, and the one atomic folder publish."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from detente.errors import InputError

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class NotRegularFileError(OSError):
    """A path that is not a regular file or a folder (a FIFO, socket or device): refused without being opened."""

    def __init__(self, path: str, mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        super().__init__(None, f"not a regular file ({kind})", path)


def _check_regular(path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(path, mode)


def open_regular_file(path: Path | str) -> BinaryIO:
    """Open a regular file (or a symbolic link to one) for reading in binary.

    Anything else raises OSError before it is opened: reading a FIFO blocks until someone writes to it, and a
    device may never end. NotRegularFileError for a FIFO, socket or device; IsADirectoryError for a folder.
    """
    name = os.fspath(path)
    _check_regular(name, os.stat(name).st_mode)
    # O_NONBLOCK: if a FIFO took the file's place since the stat, opening it does not wait for a writer
    descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        _check_regular(name, os.fstat(descriptor).st_mode)
    except OSError:
        os.close(descriptor)
        raise
    return open(descriptor, "rb")


def read_regular_file(path: Path | str) -> bytes:
    """The bytes of a regular file; see open_regular_file for what is refused."""
    with open_regular_file(path) as handle:
        return handle.read()


@contextmanager
def input_errors(path: Path, kind: str = "file") -> Iterator[None]:
    """Turn the OS's refusals of an input file (missing, a folder, a FIFO or device, unreadable) into an InputError
    naming the path."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), f"is a folder; give a {kind}") from None
    except NotRegularFileError as err:
        raise InputError(str(path), f"is {err.strerror}; give a {kind}") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror}") from None


def read_input_bytes(path: Path) -> bytes:
    """read_regular_file for a file given as input: every refusal is an InputError naming the path."""
    with input_errors(path):
        return read_regular_file(path)


def read_json(path: Path, missing: str = "no such file") -> Any:
    """Parse a JSON file; a missing file or bad JSON is an InputError naming the file (and line)."""
    if not path.exists():
        raise InputError(str(path), missing)
    try:
        return json.loads(read_input_bytes(path).decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not valid UTF-8 at byte {err.start}: {err.reason}") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg}") from None


def parse_json(text: str | bytes, where: str) -> Any:
    """One JSON value; invalid JSON, or nesting too deep for the parser, is an InputError naming `where`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(where, f"invalid JSON: {err.msg} (column {err.colno})") from None
    except RecursionError:
        raise InputError(where, "invalid JSON: nested too deeply") from None


def check_readable_file(path: Path, kind: str = "file") -> os.stat_result:
    """Before any work: `path` is a regular file this process can open (read_input_bytes's refusals, without
    reading it). /proc files are regular files and are read as any other."""
    with input_errors(path, kind), open_regular_file(path) as handle:
        return os.fstat(handle.fileno())


def _blank(line: bytes) -> bool:
    return line.isspace() and not line.strip(b" \t\r\n")  # isspace() first: no copy of a long line


def iter_jsonl(path: Path, on_bytes: Callable[[int], object] | None = None) -> Iterator[tuple[str, Any]]:
    """("file:line", record) for each non-blank line of a JSONL file; every problem is an InputError naming it.

    Streams: one line is in memory at a time (its bytes are dropped once decoded, its text once parsed), so a
    file of any size can be read; `on_bytes(n)` is called with the size of each line read (a progress bar).
    Splits on "\\n" only: str.splitlines() also breaks on U+2028, U+0085 and other characters that JSON allows
    unescaped inside strings, which would cut a valid record in two.
    """
    check_readable_file(path, "JSONL file")
    offset = 0
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):  # a binary file's lines end at b"\n" only
                if on_bytes is not None:
                    on_bytes(len(raw))
                if _blank(raw):
                    offset += len(raw)
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise InputError(str(path), f"not valid UTF-8 at byte {offset + err.start}: {err.reason} (line {number})") from None
                offset += len(raw)
                del raw
                # without its line end: JSON's own error position for a cut-off record would be "line 2, column 1"
                record = parse_json(text.rstrip("\r\n"), f"{path}:{number}")
                del text
                yield f"{path}:{number}", record
                del record  # not held while the next line is read
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror}") from None


def read_jsonl(path: Path) -> list[Any]:
    """Every record of a JSONL file (see iter_jsonl)."""
    return [record for _, record in iter_jsonl(path)]


def jsonl_bytes(records: Iterable[Any]) -> bytes:
    """The one JSONL form of the release and its tools: UTF-8, one `json.dumps` object per line, each ending in "\\n"."""
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


def json_bytes(record: Any) -> bytes:
    """A JSON file as written for people to read: two-space indent, UTF-8, final newline."""
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def check_writable_file(path: Path) -> None:
    """Before any work: `path` is a regular file or does not exist yet, so write_bytes_atomically may replace it."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise InputError(str(path), "exists and is not a regular file: give a file path to write")


def check_output_file(path: Path) -> None:
    """Before any work: check_writable_file, and the folder `path` goes in exists (it is not created)."""
    check_writable_file(path)
    if not path.parent.is_dir():
        raise InputError(str(path), f"no folder {path.parent} to write it in")


def _mode_for(path: Path) -> int:
    """The permissions a written file gets: those of the file it replaces, else what open() would give (0o666 less
    the umask). mkstemp creates its files 0o600, which would leave outputs unreadable to anyone else."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # reading the umask means setting it; it is put back at once
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.

    Readers see the old bytes or the new, never a part. Only a regular file (or nothing) is replaced: renaming over
    a device, a folder or a symbolic link would replace it rather than write to it.
    """
    check_writable_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), _mode_for(path))
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_files_together(files: list[tuple[Path, bytes]]) -> None:
    """Write several files as one change: each is first written in full to a temporary file beside its target, and
    only when all are on disk are they renamed into place, in the order given (put the file whose presence means
    "done" last). A failure while writing (disk full) leaves every target as it was."""
    for path, _ in files:
        check_writable_file(path)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(name), path))
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), _mode_for(path))
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        for staged_path, path in staged:
            os.replace(staged_path, path)
    finally:
        for staged_path, _ in staged:
            staged_path.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """write_bytes_atomically of UTF-8 text."""
    write_bytes_atomically(path, text.encode("utf-8"))


@contextmanager
def staged_folder(target: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a fresh folder beside `target` to write into; when the block ends without error it becomes `target`.

    Readers see the old folder or the whole new one, never a part: the staging folder is on the same file system
    and is renamed into place. An existing `target` must be empty unless `replace`, when the old folder is moved
    aside first and removed after the rename. On error the staging folder is removed and `target` is untouched.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    except OSError as err:
        raise InputError(str(target), f"cannot create the folder: {err.strerror}") from None
    try:
        yield staging
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a published folder is readable like any other
        old: Path | None = None
        if replace and target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_tree(files: dict[str, bytes], target: Path, replace: bool = False, check: Callable[[Path], None] | None = None) -> None:
    """Publish `files` (relative path -> bytes) as the folder `target` through staged_folder; `check`, if given,
    reads the staged folder back first and raises to publish nothing."""
    with staged_folder(target, replace=replace) as staging:
        for rel, data in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if check is not None:
            check(staging)
