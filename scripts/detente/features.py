"""`datasets` Features of each config, rendered from the structure derived from schema/ (detente.structure):
a Label becomes a ClassLabel with the schema's names, so files loaded with these features keep their label sets."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from detente.structure import (
    CONFIG_SCHEMAS,
    Label,
    ListOf,
    Node,
    Scalar,
    arrow_schema,
    record_structure,
)


def feature_of(node: Node) -> Any:
    if isinstance(node, Label):
        return ClassLabel(names=list(node.names))
    if isinstance(node, Scalar):
        return Value(node.dtype)
    if isinstance(node, ListOf):
        return List(feature_of(node.item))
    return {name: feature_of(child) for name, child in node.fields}


def config_features(config: str) -> Features:
    """Features of a release config ("documents", "lines", "ner")."""
    return Features({name: feature_of(node) for name, node in record_structure(CONFIG_SCHEMAS[config]).fields})


def document_features() -> Features:
    return config_features("documents")


def line_features() -> Features:
    return config_features("lines")


def ner_features() -> Features:
    return config_features("ner")


CONFIG_FEATURES = {"documents": document_features, "lines": line_features, "ner": ner_features}


def storage_schema(config: str) -> pa.Schema:
    """Arrow schema of a config's Parquet files (labels stored as names)."""
    return arrow_schema(CONFIG_SCHEMAS[config])
