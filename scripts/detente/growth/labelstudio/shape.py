"""The JSON types of a Label Studio export, checked as it is read: a wrong type is an InputError naming the task
(and annotation, result item or region) and what was found, never a traceback.

A task is an object with an integer `id`, a `data` object and a list of `annotations` (missing or null: none); an
annotation is an object whose `result` is a list (null counts as empty); a result item is an object. Region IDs
and relation ends are strings, offsets are integers (not 0.0, not true).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from detente.errors import InputError


def describe(value: Any) -> str:
    """A JSON value's type, with the value when it is a scalar: `a number (0.0)`, `a string ("5")`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({json.dumps(value)})"
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        return f"a string ({shown if len(shown) <= 42 else shown[:40] + '...'})"
    return "a list" if isinstance(value, list) else "an object"


def is_int(value: Any) -> bool:
    """A JSON integer: not a float such as 0.0, not a boolean (Python's bool is an int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_object(value: Any) -> bool:
    return isinstance(value, dict)


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def member(obj: dict[str, Any], key: str, where: str, check: Callable[[Any], bool], expected: str, optional: bool = False) -> Any:
    """obj[key] when `check` holds; missing or null is None when `optional`, else an error like any wrong type."""
    if obj.get(key) is None and optional:
        return None
    if key not in obj:
        raise InputError(where, f"`{key}` is missing; {expected} expected")
    if not check(obj[key]):
        raise InputError(where, f"`{key}` is {describe(obj[key])}; {expected} expected")
    return obj[key]


def strings(obj: dict[str, Any], key: str, where: str) -> list[str]:
    """A list of strings such as `labels` or `choices` (missing or null: empty)."""
    value = member(obj, key, where, is_list, "a list of strings", optional=True) or []
    for item in value:
        if not isinstance(item, str):
            raise InputError(where, f"`{key}` holds {describe(item)}; a list of strings expected")
    return list(value)


def texts(obj: dict[str, Any], key: str, where: str) -> list[str]:
    """A text field's `text`: a string or a list of strings (missing or null: empty)."""
    value = obj.get(key)
    return [value] if isinstance(value, str) else strings(obj, key, where)


def check_object(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(where, f"{what} is an object, not {describe(value)}")
    return value


def annotation_name(annotation: dict[str, Any], position: int) -> str:
    """`annotation 7` (its Label Studio ID) or, without an ID, `annotation #2` (its place in the task)."""
    return f"annotation {annotation['id']}" if is_int(annotation.get("id")) else f"annotation #{position}"


def check_annotation(annotation: Any, where: str) -> dict[str, Any]:
    check_object(annotation, where, "an annotation")
    member(annotation, "id", where, is_int, "an integer annotation ID", optional=True)
    member(annotation, "completed_by", where, lambda v: is_int(v) or is_object(v), "a user ID (integer) or user object", optional=True)
    member(annotation, "updated_at", where, is_str, "a time stamp (string)", optional=True)
    member(annotation, "was_cancelled", where, is_bool, "true or false", optional=True)
    member(annotation, "result", where, is_list, "a list of result items (null counts as empty)", optional=True)
    return annotation


def check_task(task: Any, where: str) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """A task's (id, data, annotations), each annotation checked."""
    check_object(task, where, "a task")
    task_id: int = member(task, "id", where, is_int, "an integer (Label Studio's task ID)")
    data: dict[str, Any] = member(task, "data", where, is_object, "an object (doc_id, text, page)")
    annotations: list[Any] = member(task, "annotations", where, is_list, "a list of annotations", optional=True) or []
    for n, annotation in enumerate(annotations, start=1):
        check_annotation(annotation, f"{where}: {annotation_name(annotation, n) if isinstance(annotation, dict) else f'annotation #{n}'}")
    return task_id, data, annotations
