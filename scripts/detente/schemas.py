"""Load the JSON Schemas in schema/ and validate records against them (draft 2020-12)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from detente.errors import SchemaError
from detente.paths import SCHEMA_DIR


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return schema/<name>.schema.json as a dict."""
    path = SCHEMA_DIR / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def validate(record: Any, name: str, where: str) -> None:
    """Raise SchemaError naming `where` and every violation of schema `name`."""
    errors = sorted(validator(name).iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '<record>'}: {e.message}" for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise SchemaError(where, f"does not match schema '{name}': {details}{more}")


def label_set(name: str) -> list[str]:
    """Closed label set `name` from schema/labels.schema.json, in schema order."""
    return list(load_schema("labels")["$defs"][name]["enum"])


@cache
def category_class() -> dict[str, str]:
    """Category -> class (shared, do not mutate)."""
    return dict(load_schema("labels")["$defs"]["category_class"]["const"])
