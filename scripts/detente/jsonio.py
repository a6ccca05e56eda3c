"""Reading JSON and JSONL source files with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
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
