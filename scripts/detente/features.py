"""`datasets` Features of each config, rendered from the structure derived from schema/ (detente.structure):
a Label becomes a ClassLabel with the schema's names, so files loaded with these features keep their label sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from detente.errors import SchemaError
from detente.structure import (
    CONFIG_SCHEMAS,
    Label,
    ListOf,
    Node,
    Scalar,
    Struct,
    arrow_schema,
    encode_labels,
    record_structure,
    release_structure,
)


def feature_of(node: Node) -> Any:
    if isinstance(node, Label):
        return ClassLabel(names=list(node.names))
    if isinstance(node, Scalar):
        return Value(node.dtype)
    if isinstance(node, ListOf):
        return List(feature_of(node.item))
    return {name: feature_of(child) for name, child in node.fields}


def features_of(structure: Struct) -> Features:
    return Features({name: feature_of(node) for name, node in structure.fields})


def config_features(config: str) -> Features:
    """Features of a release config ("documents", "lines", "ner") under today's schemas."""
    return features_of(record_structure(CONFIG_SCHEMAS[config]))


def release_config_features(release_dir: Path, config: str) -> Features:
    """Features of a config of a published release, from the schemas that release carries."""
    return features_of(release_structure(release_dir, CONFIG_SCHEMAS[config]))


def document_features() -> Features:
    return config_features("documents")


def line_features() -> Features:
    return config_features("lines")


def ner_features() -> Features:
    return config_features("ner")


CONFIG_FEATURES = {"documents": document_features, "lines": line_features, "ner": ner_features}


def storage_schema(config: str) -> pa.Schema:
    """Arrow schema of a config's Parquet files from 0.5.0 on: class labels stored as their index, and the `datasets`
    features in the schema metadata (key "huggingface", as `datasets` writes it), so
    `load_dataset("parquet", data_files=...)` gives the same typed features as the configs, with no other help."""
    features = config_features(config)
    schema = arrow_schema(CONFIG_SCHEMAS[config], labels_as_index=True)
    if not schema.equals(features.arrow_schema):  # the two renderings of one structure must agree
        raise SchemaError(config, "Arrow schema and datasets features disagree")
    return schema.with_metadata(features.arrow_schema.metadata)


def encode_record(config: str, record: dict[str, Any]) -> dict[str, Any]:
    """A release record as its Parquet row: class labels as indices."""
    encoded: dict[str, Any] = encode_labels(record_structure(CONFIG_SCHEMAS[config]), record)
    return encoded
