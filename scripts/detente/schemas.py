"""Load the JSON Schemas in schema/ and validate records against them (draft 2020-12).

The schemas are package data: scripts/detente/schema is a symbolic link to the repository's top-level schema/
(one copy, the contract), and a built wheel carries the files, so an installed package needs no repository.
"""

from __future__ import annotations

import json
import re
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
            f"{'/'.join(str(p) for p in e.absolute_path) or '<record>'}: {e.message}{_alternatives(e)}" for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise SchemaError(where, f"does not match schema '{name}': {details}{more}")


def _alternatives(error: Any) -> str:
    """For "not valid under any of the given schemas" (anyOf, oneOf): why each alternative refused the value, which
    names what it may be ("'MEET' is not one of ['AGREE', ...]; 'MEET' is not of type 'null'")."""
    reasons = list(dict.fromkeys(sub.message for sub in error.context if not sub.relative_path))  # the value's own, not its parts'
    return f" ({'; '.join(reasons)})" if reasons else ""


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


# ---------------------------------------------------------------------------------------------------------
# A stricter, faster first look for the schemas of flat records (detente scale checks ~100 objects per article)
# ---------------------------------------------------------------------------------------------------------

_STRICT_KEYWORDS = {"type", "enum", "minimum", "minLength", "pattern", "properties", "required", "additionalProperties", "items"}
_STRICT_TYPES = {"string": "str", "integer": "int", "null": "NoneType", "object": "dict", "array": "list"}
_TYPED_KEYWORDS = {"minimum", "minLength", "pattern", "items", "properties", "required", "additionalProperties"}


class _StrictWriter:
    """Writes one Python expression that is true only for instances a schema node accepts. Stricter than JSON
    Schema where that is simpler (a type is the exact Python type: no bool for an integer, no 1.0, no str or dict
    subclass), never looser. A node using a keyword of one type (minimum, minLength, pattern, items, properties,
    ...) must say its "type", which is tested first with exact types; so each keyword's own guard (`type(v) is
    not int or ...`) lets through only the other types the node allows. Anything else raises ValueError (then
    there is no strict check)."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {"NoneType": type(None)}
        self.depth = 0

    def constant(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def expression(self, node: Any, var: str) -> str:
        if not isinstance(node, dict) or set(node) - _STRICT_KEYWORDS - ANNOTATIONS:
            raise ValueError(f"not a flat schema node: {sorted(set(node) - _STRICT_KEYWORDS - ANNOTATIONS) if isinstance(node, dict) else node!r}")
        parts = []
        if set(node) & _TYPED_KEYWORDS and "type" not in node:
            raise ValueError(f"{sorted(set(node) & _TYPED_KEYWORDS)} without a type")
        if "type" in node:
            types = [node["type"]] if isinstance(node["type"], str) else node["type"]
            if not types or any(kind not in _STRICT_TYPES for kind in types):
                raise ValueError(f"type {node['type']!r}")
            parts.append(f"type({var}) in ({', '.join(_STRICT_TYPES[kind] for kind in types)},)")
        if "enum" in node:
            if not node["enum"] or any(type(value) is not str for value in node["enum"]):
                raise ValueError("an enum of other values than strings")
            parts.append(f"(type({var}) is str and {var} in {self.constant(frozenset(node['enum']))})")
        if "minimum" in node:
            if type(node["minimum"]) is not int:
                raise ValueError("a minimum that is not an integer")
            parts.append(f"(type({var}) is not int or {var} >= {node['minimum']!r})")
        if "minLength" in node:
            if type(node["minLength"]) is not int:
                raise ValueError("a minLength that is not an integer")
            parts.append(f"(type({var}) is not str or len({var}) >= {node['minLength']!r})")
        if "pattern" in node:  # re.search, as jsonschema and fastjsonschema apply a pattern
            parts.append(f"(type({var}) is not str or {self.constant(re.compile(node['pattern']))}.search({var}) is not None)")
        if "items" in node:
            self.depth += 1
            item = f"x{self.depth}"
            parts.append(f"(type({var}) is not list or all({self.expression(node['items'], item)} for {item} in {var}))")
        if {"properties", "required", "additionalProperties"} & set(node):
            parts.append(self.object_expression(node, var))
        return "(" + " and ".join(parts or ["True"]) + ")"

    def object_expression(self, node: dict[str, Any], var: str) -> str:
        properties, required = node.get("properties", {}), node.get("required", [])
        closed = node.get("additionalProperties", True)
        if closed not in (True, False) or not isinstance(properties, dict):
            raise ValueError("additionalProperties that is a schema")
        tests = [f"{self.constant(frozenset(required))} <= {var}.keys()"]
        if closed is False:
            tests.append(f"{var}.keys() <= {self.constant(frozenset(properties))}")
        for key, sub in properties.items():
            test = self.expression(sub, f"{var}[{key!r}]")
            tests.append(test if key in required else f"({key!r} not in {var} or {test})")
        return f"(type({var}) is not dict or ({' and '.join(tests)}))"


@cache
def strict_validator(name: str, many: bool = False) -> Callable[[Any], bool] | None:
    """A function true only for records schema `name` accepts (stricter: see _StrictWriter), ~10x faster than
    fastjsonschema on flat records; None for a schema with other keywords. `many`: of a list of records. Its
    False says nothing: check() then asks the validators that decide."""
    documents = {load_schema(other)["$id"]: load_schema(other) for other in schema_names()}
    writer = _StrictWriter()
    try:
        schema = {key: value for key, value in _inline_refs(load_schema(name), load_schema(name), documents).items() if key not in ("$schema", "$id", "$defs")}
        body = writer.expression({"type": "array", "items": schema} if many else schema, "record")
    except ValueError:
        return None
    namespace = dict(writer.constants)
    exec(compile(f"def accepts(record):\n    return {body}\n", f"<strict {name} schema>", "exec"), namespace)  # our schema's text only
    accepts: Callable[[Any], bool] = namespace["accepts"]
    return accepts


def check(record: Any, name: str, where: str) -> None:
    """validate(), fast: a record the strict check or fastjsonschema accepts passes; one they refuse is validated
    again by jsonschema, whose messages (every violation, with its path) are the reference."""
    import fastjsonschema

    strict = strict_validator(name)
    if strict is not None and strict(record):
        return
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
