"""schemas.strict_validator: a faster first look that never accepts what the schema refuses (its False defers to
fastjsonschema and jsonschema), for the flat records detente scale writes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import SchemaError
from detente.scale.core import _records
from detente.schemas import _StrictWriter, check, strict_validator, validate

REPO = Path(__file__).resolve().parents[1]


def _is_valid(record: Any, name: str) -> bool:
    try:
        validate(record, name, "<test>")
    except SchemaError:
        return False
    return True


@pytest.fixture(scope="module")
def seed_records() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path = sorted((REPO / "raw").glob("*.txt"))[0]
    return _records(path.name, path.read_bytes())


def test_the_scale_schemas_have_a_strict_check_and_others_may_not():
    assert strict_validator("line") is not None and strict_validator("scaled_document") is not None
    assert strict_validator("line", many=True) is not None
    assert strict_validator("document") is None  # $ref beside unevaluatedProperties: only the full validators


def test_the_records_detente_scale_writes_pass_the_strict_check(seed_records):
    document, lines = seed_records
    assert strict_validator("scaled_document")(document) is True
    assert strict_validator("line", many=True)(lines) is True
    assert all(strict_validator("line")(line) for line in lines) and len(lines) > 20


_ODD_VALUES = st.sampled_from([None, True, False, 0, -1, 1, 1.0, 2.5, "", "x", "dtn-0123456789ab", "dtn-0123456789ab\n", "content",
                               "predicted", "body", [], [{}], {}, {"line": 1}])


def _mutations(record: Any) -> st.SearchStrategy[Any]:
    """A record with one change: a key dropped or added, or a value (at any depth) replaced."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node[:3]):
                walk(value, (*path, index))

    walk(record, ())

    def apply(path: tuple[Any, ...], action: str, value: Any) -> Any:
        changed = copy.deepcopy(record)
        if not path:
            return value
        parent = changed
        for part in path[:-1]:
            parent = parent[part]
        if action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent["unexpected"] = value
        else:
            parent[path[-1]] = value
        return changed

    return st.builds(apply, st.sampled_from(paths), st.sampled_from(["drop", "add", "set"]), _ODD_VALUES)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_strict_check_never_accepts_what_the_schema_refuses(seed_records, data):
    document, lines = seed_records
    for name, record in (("scaled_document", document), ("line", lines[0]), ("line", lines[3])):
        changed = data.draw(_mutations(record))
        if strict_validator(name)(changed):
            assert _is_valid(changed, name), changed
    many = data.draw(st.lists(st.sampled_from(lines[:5]), min_size=0, max_size=4))
    odd = data.draw(_mutations(many))
    if strict_validator("line", many=True)(odd):
        assert isinstance(odd, list) and all(_is_valid(line, "line") for line in odd)


def test_what_the_strict_check_refuses_the_full_validators_decide(seed_records):
    _, lines = seed_records
    stricter = {**lines[0], "line": 1.0}  # JSON Schema: 1.0 is an integer; the strict check wants a Python int
    assert strict_validator("line")(stricter) is False
    check(stricter, "line", "<test>")  # accepted all the same
    with pytest.raises(SchemaError, match=r"<test>: does not match schema 'line': line: 0 is less than the minimum of 1"):
        check({**lines[0], "line": 0}, "line", "<test>")


@pytest.mark.parametrize("node", [
    {"properties": {"a": {"type": "integer"}}, "required": ["a"]},  # a dict subclass would skip the object's checks
    {"minimum": 0}, {"items": {"type": "integer"}}, {"pattern": "^a$"}, {"minLength": 1},  # -1.5, list and str subclasses
    {"type": "string", "minLength": 1.5}, {"type": "integer", "minimum": 0.5}, {"type": "number"}, {"const": "a"},
    {"type": "object", "additionalProperties": {"type": "string"}}, {"enum": [1, 2]},
])
def test_schema_nodes_the_strict_check_cannot_decide_exactly_get_none(node):
    with pytest.raises(ValueError):
        _StrictWriter().expression(node, "record")


def test_a_value_no_alternative_accepts_is_told_what_each_would_take():
    """anyOf (a label or null): the message names the labels, not only "not valid under any of the given schemas"."""
    from detente.schemas import label_set

    record = {"doc_id": "dtn-692ce5b72fcc", "events": [{"trigger": {"start": 0, "end": 3}, "plover": "MEET"}]}
    with pytest.raises(SchemaError) as caught:
        validate(record, "predictions", "p.jsonl:1")
    message = str(caught.value)
    assert message.startswith("p.jsonl:1: does not match schema 'predictions': events/0/plover: 'MEET' is not valid under any of the given schemas ('MEET' is not one of [")
    assert message.endswith("]; 'MEET' is not of type 'null')")
    assert all(repr(label) in message for label in label_set("plover_type"))
