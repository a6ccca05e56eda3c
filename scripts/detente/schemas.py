"""Load the JSON Schemas in schema/ and validate records against them (draft 2020-12).

The schemas are package data: scripts/detente/schema is a symbolic link to the repository's top-level schema/
(one copy, the contract), and a built wheel carries the files, so an installed package needs no repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import SchemaError

if TYPE_CHECKING:  # the validators are imported when first used: reading labels must not cost a process ~0.1 s
    from jsonschema import Draft202012Validator
    from referencing import Registry

SUFFIX = ".schema.json"
ANNOTATIONS = {"$ref", "description", "title", "$comment"}  # keywords that do not validate


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
    from referencing import Registry, Resource

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
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


class SchemaFolder:
    """The schemas a release carries (its schema/ folder): an old release is checked against the contract it was
    published under, not today's."""

    def __init__(self, folder: Path) -> None:
        from referencing import Registry, Resource

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
            from jsonschema import Draft202012Validator

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


def _inline_refs(node: Any, document: dict[str, Any], documents: dict[str, dict[str, Any]]) -> Any:
    """`node` (a part of schema `document`) with each $ref replaced by what it names: "#/..." in `document`,
    "<$id>#/..." in the schema with that $id. The schemas have no recursive refs. A $ref beside other keywords is
    refused: draft 2020-12 applies both, draft 7 (what fastjsonschema compiles) only the $ref."""
    if isinstance(node, list):
        return [_inline_refs(value, document, documents) for value in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref is None:
        return {key: _inline_refs(value, document, documents) for key, value in node.items()}
    if set(node) - ANNOTATIONS:
        raise ValueError(f"cannot inline $ref {ref!r} beside {sorted(set(node) - ANNOTATIONS)}")
    target, _, pointer = ref.partition("#")
    in_document = documents[target] if target else document
    named: Any = in_document
    for part in pointer.strip("/").split("/"):
        named = named[part]
    return _inline_refs(named, in_document, documents)


@cache
def fast_validator(name: str, many: bool = False) -> Callable[[Any], Any]:
    """Schema `name` compiled to plain Python by fastjsonschema: ~40x faster than jsonschema on a large record.

    Its refs are inlined and it is compiled as draft 7, for schemas whose keywords mean the same there (no $ref
    beside other keywords, checked; no format, unevaluated* or prefixItems): predictions, for one. Then it accepts
    what the reference validator accepts. `many`: a validator of a list of such records.
    """
    import fastjsonschema

    documents = {load_schema(other)["$id"]: load_schema(other) for other in schema_names()}
    schema = _inline_refs(load_schema(name), load_schema(name), documents)
    for keyword in ("$id", "$defs"):
        schema.pop(keyword, None)
    if many:  # a list of records in one call (detente scale): no Python call per record
        schema = {"type": "array", "items": schema}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)


def check(record: Any, name: str, where: str) -> None:
    """validate(), fast: a record fastjsonschema accepts passes; one it refuses is validated again by jsonschema,
    whose messages (every violation, with its path) are the reference."""
    import fastjsonschema

    try:
        fast_validator(name)(record)
    except fastjsonschema.JsonSchemaValueException as err:
        validate(record, name, where)
        path = "/".join(str(part) for part in err.path[1:]) or "<record>"  # the two disagree: fastjsonschema's word
        problem = err.message.removeprefix(err.name or "").strip()
        raise SchemaError(where, f"does not match schema '{name}': {path}: {problem}") from None


def label_set(name: str) -> list[str]:
    """Closed label set `name` from schema/labels.schema.json, in schema order."""
    return list(load_schema("labels")["$defs"][name]["enum"])


@cache
def category_class() -> dict[str, str]:
    """Category -> class (shared, do not mutate)."""
    return dict(load_schema("labels")["$defs"]["category_class"]["const"])
