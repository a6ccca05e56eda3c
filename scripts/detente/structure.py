"""Record structure derived from the JSON Schemas in schema/: one type tree per record schema, and its Arrow form
(the Parquet files of a release and of `detente scale`). features.py renders the same tree as `datasets` Features.
The schemas stay the one source: no field is listed here, only the rules that map JSON Schema to columns.

Rules:
- an object becomes a struct with its properties in schema order; an array a list of its items;
- a string (or `const`) is a string; an integer is int32 (offsets and counts within one article), except the
  paths in INT64_PATHS, which count the bytes of a whole file;
- a closed label set (a `$ref` to an `enum` of labels.schema.json) is a Label: a ClassLabel in `datasets`, stored as
  its name in files. A nullable label, or a label inside a nullable object, is a plain string: ClassLabel has no null;
- `anyOf` with null, or a type list with "null", makes a field nullable; `allOf` merges its parts in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from detente.errors import SchemaError
from detente.schemas import load_schema


@dataclass(frozen=True)
class Scalar:
    dtype: str  # "string" | "int32" | "int64"


@dataclass(frozen=True)
class Label:
    names: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    item: Node


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, Node], ...]


Node = Scalar | Label | ListOf | Struct

# Release config -> schema of its records.
CONFIG_SCHEMAS = {"documents": "document", "lines": "line", "ner": "ner"}

INT64_PATHS = frozenset({"document.provenance.raw_bytes", "raw_metadata.bytes"})
# Column order of the `documents` files as released since 0.1.0 (line_labels last). The schema lists line_labels
# after segments; a release must rebuild byte-identical, so this order, checked to be a permutation, is kept.
COLUMN_ORDER = {
    "document": ("id", "title", "text", "language", "url", "publisher", "publication_date", "rights", "page_metadata",
                 "provenance", "segments", "annotation", "entities", "events", "line_labels"),
}

_URN = "urn:detente:schema:"


def _resolve(ref: str, base: str) -> tuple[dict[str, Any], str]:
    """A `$ref` ("#/$defs/x" in schema `base`, or "urn:detente:schema:name#/path") -> (its schema, its schema name)."""
    target, _, pointer = ref.partition("#")
    name = target.removeprefix(_URN) if target else base
    node: Any = load_schema(name)
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return node, name


def _merge(parts: list[dict[str, Any]], base: str) -> dict[str, Any]:
    """allOf: the parts' keys in order, later properties overriding earlier ones (refs resolved first)."""
    merged: dict[str, Any] = {}
    for part in parts:
        if "$ref" in part:
            part, _ = _resolve(part["$ref"], base)
        properties = {**merged.get("properties", {}), **part.get("properties", {})}
        merged = {**merged, **{k: v for k, v in part.items() if k not in ("allOf", "if", "then")}, "properties": properties}
    return merged


def _node(schema: dict[str, Any], base: str, path: str, nullable_parent: bool) -> tuple[Node, bool]:
    """(type of `schema`, whether it is nullable)."""
    if "$ref" in schema:
        target, name = _resolve(schema["$ref"], base)
        if "enum" in target:
            return (Scalar("string") if nullable_parent else Label(tuple(target["enum"]))), False
        return _node(target, name, path, nullable_parent)
    if "allOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _node(_merge([*schema["allOf"], rest], base), base, path, nullable_parent)
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option != {"type": "null"}]
        if len(options) != 1:
            raise SchemaError(path, "anyOf with more than one non-null option has no column type")
        node, _ = _node(options[0], base, path, True)
        return node, len(options) < len(schema["anyOf"])
    types = schema.get("type", "string" if "const" in schema else None)
    nullable = isinstance(types, list) and "null" in types
    kinds = [t for t in types if t != "null"] if isinstance(types, list) else [types]
    if len(kinds) != 1:
        raise SchemaError(path, f"type {types!r} has no column type")
    kind = kinds[0]
    if kind == "object":
        return _struct(schema, base, path, nullable_parent or nullable), nullable
    if kind == "array":
        item, _ = _node(schema["items"], base, f"{path}[]", nullable_parent or nullable)
        return ListOf(item), nullable
    if kind == "string":
        if "enum" in schema and not (nullable_parent or nullable):
            return Label(tuple(schema["enum"])), nullable
        return Scalar("string"), nullable
    if kind == "integer":
        return Scalar("int64" if path in INT64_PATHS else "int32"), nullable
    raise SchemaError(path, f"type {kind!r} has no column type")


def _struct(schema: dict[str, Any], base: str, path: str, nullable_parent: bool) -> Struct:
    properties = schema.get("properties", {})
    order = COLUMN_ORDER.get(path, tuple(properties))
    if sorted(order) != sorted(properties):
        raise SchemaError(path, f"column order {order} is not a permutation of the schema's properties {tuple(properties)}")
    fields = tuple((name, _node(properties[name], base, f"{path}.{name}", nullable_parent)[0]) for name in order)
    return Struct(fields)


@cache
def record_structure(schema_name: str) -> Struct:
    """The column structure of a record of schema/<schema_name>.schema.json."""
    node, _ = _node(load_schema(schema_name), schema_name, schema_name, False)
    if not isinstance(node, Struct):
        raise SchemaError(schema_name, "a record schema must be an object")
    return node


def arrow_type(node: Node) -> pa.DataType:
    """Arrow type on disk: a Label is stored as its name, so files read well without `datasets`."""
    if isinstance(node, Label):
        return pa.string()
    if isinstance(node, Scalar):
        return {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64()}[node.dtype]
    if isinstance(node, ListOf):
        return pa.list_(arrow_type(node.item))
    return pa.struct([pa.field(name, arrow_type(child)) for name, child in node.fields])


def arrow_schema(schema_name: str) -> pa.Schema:
    """Arrow schema of the files holding records of schema/<schema_name>.schema.json."""
    return pa.schema([pa.field(name, arrow_type(node)) for name, node in record_structure(schema_name).fields])
