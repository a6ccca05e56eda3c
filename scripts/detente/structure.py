"""Record structure derived from the JSON Schemas in schema/: one type tree per record schema, and its Arrow form
(the Parquet files of a release and of `detente scale`). features.py renders the same tree as `datasets` Features.
The schemas stay the one source: no field is listed here, only the rules that map JSON Schema to columns.

Rules:
- an object becomes a struct with its properties in schema order; an array a list of its items;
- a string (or `const`) is a string; an integer is int32 (offsets and counts within one article), except the
  paths in INT64_PATHS, which count the bytes of a whole file;
- a closed label set (an `enum`, usually a `$ref` into labels.schema.json) is a Label: a ClassLabel in `datasets`,
  stored in files as its name or (release Parquet files from 0.5.0) its index. Null is allowed, as in ClassLabel;
- `anyOf` with null, or a type list with "null", makes a field nullable (every column type holds null); `allOf`
  merges its parts in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from detente.errors import SchemaError
from detente.schemas import load_schema


@dataclass(frozen=True)
class Scalar:
    dtype: str  # "string" | "int32" | "int64" | "bool"


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
# Column order of the `documents` files as released since 0.1.0 (line_labels last, then quotations from 0.7.0). The
# schema lists line_labels after segments; a release must rebuild byte-identical, so this order is kept.
COLUMN_ORDER = {
    "document": ("id", "title", "text", "language", "url", "publisher", "publication_date", "rights", "page_metadata",
                 "provenance", "segments", "annotation", "entities", "events", "line_labels", "quotations"),
}

_URN = "urn:detente:schema:"


SchemaLoader = Callable[[str], dict[str, Any]]


class _Derivation:
    """Walks the schemas of one loader (the package's, or the copies a release carries)."""

    def __init__(self, load: SchemaLoader) -> None:
        self.load = load

    def resolve(self, ref: str, base: str) -> tuple[dict[str, Any], str]:
        """A `$ref` ("#/$defs/x" in schema `base`, or "urn:detente:schema:name#/path") -> (its schema, its schema name)."""
        target, _, pointer = ref.partition("#")
        name = target.removeprefix(_URN) if target else base
        node: Any = self.load(name)
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, name

    def merge(self, parts: list[dict[str, Any]], base: str) -> dict[str, Any]:
        """allOf: the parts' keys in order, later properties overriding earlier ones (refs resolved first)."""
        merged: dict[str, Any] = {}
        for part in parts:
            if "$ref" in part:
                part, _ = self.resolve(part["$ref"], base)
            properties = {**merged.get("properties", {}), **part.get("properties", {})}
            merged = {**merged, **{k: v for k, v in part.items() if k not in ("allOf", "if", "then")}, "properties": properties}
        return merged

    def node(self, schema: dict[str, Any], base: str, path: str) -> Node:
        if "$ref" in schema:
            target, name = self.resolve(schema["$ref"], base)
            return Label(tuple(target["enum"])) if "enum" in target else self.node(target, name, path)
        if "allOf" in schema:
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return self.node(self.merge([*schema["allOf"], rest], base), base, path)
        if "anyOf" in schema:
            options = [option for option in schema["anyOf"] if option != {"type": "null"}]
            if len(options) != 1:
                raise SchemaError(path, "anyOf with more than one non-null option has no column type")
            return self.node(options[0], base, path)  # nullable: every column type here holds null
        if "enum" in schema and "type" not in schema:
            return Label(tuple(schema["enum"]))
        types = schema.get("type", "string" if "const" in schema else None)
        kinds = [t for t in types if t != "null"] if isinstance(types, list) else [types]
        if len(kinds) != 1:
            raise SchemaError(path, f"type {types!r} has no column type")
        kind = kinds[0]
        if kind == "object":
            return self.struct(schema, base, path)
        if kind == "array":
            return ListOf(self.node(schema["items"], base, f"{path}[]"))
        if kind == "string":
            return Label(tuple(schema["enum"])) if "enum" in schema else Scalar("string")
        if kind == "integer":
            return Scalar("int64" if path in INT64_PATHS else "int32")
        if kind == "boolean":
            return Scalar("bool")
        raise SchemaError(path, f"type {kind!r} has no column type")

    def struct(self, schema: dict[str, Any], base: str, path: str) -> Struct:
        properties = schema.get("properties", {})
        # A release's own schemas may predate columns listed in COLUMN_ORDER (quotations came in 0.7.0): those are
        # left out; a property the order does not list is an error.
        order = tuple(name for name in COLUMN_ORDER.get(path, tuple(properties)) if name in properties)
        if sorted(order) != sorted(properties):
            raise SchemaError(path, f"column order {order} does not list every property of the schema {tuple(properties)}")
        return Struct(tuple((name, self.node(properties[name], base, f"{path}.{name}")) for name in order))

    def record(self, schema_name: str) -> Struct:
        node = self.node(self.load(schema_name), schema_name, schema_name)
        if not isinstance(node, Struct):
            raise SchemaError(schema_name, "a record schema must be an object")
        return node


@cache
def record_structure(schema_name: str) -> Struct:
    """The column structure of a record of schema/<schema_name>.schema.json (the package's schemas)."""
    return _Derivation(lambda name: load_schema(name)).record(schema_name)


def release_structure(release_dir: Path, schema_name: str) -> Struct:
    """The same, from the schema copies a release carries in release_dir/schema/ (its own contract)."""

    def load(name: str) -> dict[str, Any]:
        path = release_dir / "schema" / f"{name}.schema.json"
        try:
            schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SchemaError(str(path), f"cannot read the release's schema: {err}") from None
        return schema

    return _Derivation(load).record(schema_name)


def encode_labels(node: Node, value: Any) -> Any:
    """A record with each label replaced by its index in the label set (how `datasets` stores a ClassLabel)."""
    if value is None:
        return None
    if isinstance(node, Label):
        return node.names.index(value)
    if isinstance(node, ListOf):
        return [encode_labels(node.item, item) for item in value]
    if isinstance(node, Struct):
        return {name: encode_labels(child, value[name]) for name, child in node.fields}
    return value


def decode_labels(node: Node, value: Any) -> Any:
    """The inverse of encode_labels: label indices back to names."""
    if value is None:
        return None
    if isinstance(node, Label):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(node.names):
            raise ValueError(f"{value!r} is not an index into the label set ({len(node.names)} names)")
        return node.names[value]
    if isinstance(node, ListOf):
        return [decode_labels(node.item, item) for item in value]
    if isinstance(node, Struct):
        return {name: decode_labels(child, value[name]) for name, child in node.fields}
    return value


def arrow_type(node: Node, labels_as_index: bool = False) -> pa.DataType:
    """Arrow type on disk: a Label as its name (files that read well anywhere), or as its index (int64, as `datasets`
    stores a ClassLabel, so the Parquet files of a release load with their class labels)."""
    if isinstance(node, Label):
        return pa.int64() if labels_as_index else pa.string()
    if isinstance(node, Scalar):
        return {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "bool": pa.bool_()}[node.dtype]
    if isinstance(node, ListOf):
        return pa.list_(arrow_type(node.item, labels_as_index))
    return pa.struct([pa.field(name, arrow_type(child, labels_as_index)) for name, child in node.fields])


def arrow_schema(schema_name: str, labels_as_index: bool = False) -> pa.Schema:
    """Arrow schema of the files holding records of schema/<schema_name>.schema.json."""
    return pa.schema([pa.field(name, arrow_type(node, labels_as_index)) for name, node in record_structure(schema_name).fields])
