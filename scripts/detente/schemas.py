"""Load the JSON Schemas in schema/ and validate records against them (draft 2020-12).

The schemas are package data: scripts/detente/schema is a symbolic link to the repository's top-level schema/
(one copy, the contract), and a built wheel carries the files, so an installed package needs no repository.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from detente.errors import SchemaError

SUFFIX = ".schema.json"


def _schema_files() -> Traversable:
    return resources.files("detente").joinpath("schema")


def schema_names() -> list[str]:
    """Names of every schema shipped with the package (file names without .schema.json), sorted."""
    return sorted(f.name.removesuffix(SUFFIX) for f in _schema_files().iterdir() if f.name.endswith(SUFFIX))


def schema_bytes(name: str) -> bytes:
    """The bytes of schema/<name>.schema.json, as shipped (a release copies them)."""
    try:
        return _schema_files().joinpath(name + SUFFIX).read_bytes()
    except FileNotFoundError:
        raise SchemaError(f"schema/{name}{SUFFIX}", "no such schema in the package") from None


@cache
def _registry() -> Registry:
    pairs = []
    for name in schema_names():
        contents = load_schema(name)
        pairs.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(pairs)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return schema/<name>.schema.json as a dict (shared, do not mutate)."""
    schema: dict[str, Any] = json.loads(schema_bytes(name).decode("utf-8"))
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


class SchemaFolder:
    """The schemas a release carries (its schema/ folder): an old release is checked against the contract it was
    published under, not today's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schemas: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            try:
                self.schemas[path.name.removesuffix(SUFFIX)] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
                raise SchemaError(str(path), f"unreadable schema: {err}") from None
        self.registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in self.schemas.values())
        self.validators: dict[str, Draft202012Validator] = {}

    def validate(self, record: Any, name: str, where: str) -> None:
        if name not in self.schemas:
            raise SchemaError(str(self.folder / f"{name}{SUFFIX}"), "the release carries no such schema")
        if name not in self.validators:
            self.validators[name] = Draft202012Validator(self.schemas[name], registry=self.registry)
        _raise_errors(self.validators[name], record, name, where)


def validate(record: Any, name: str, where: str) -> None:
    """Raise SchemaError naming `where` and every violation of schema `name`."""
    _raise_errors(validator(name), record, name, where)


def _raise_errors(checker: Draft202012Validator, record: Any, name: str, where: str) -> None:
    errors = sorted(checker.iter_errors(record), key=lambda e: list(e.absolute_path))
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
