"""Reading JSON and JSONL source files with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from detente.errors import InputError


def read_json(path: Path, missing: str = "no such file") -> Any:
    """Parse a JSON file; a missing file or bad JSON is an InputError naming the file (and line)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), missing) from None
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}", f"invalid JSON: {err.msg}") from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per line; a bad line is an InputError naming the file and line."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}", f"invalid JSON: {err.msg}") from None
    return records


def iter_jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    """("file:line", record) for each non-blank line of a JSONL file; every problem is an InputError naming it.

    Splits on "\\n" only: str.splitlines() also breaks on U+2028, U+0085 and other characters that JSON allows
    unescaped inside strings, which would cut a valid record in two.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not valid UTF-8 at byte {err.start}: {err.reason}") from None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip(" \t\r") == "":
            continue
        try:
            yield f"{path}:{number}", json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}", f"invalid JSON: {err.msg} (column {err.colno})") from None
        except RecursionError:
            raise InputError(f"{path}:{number}", "invalid JSON: nested too deeply") from None
