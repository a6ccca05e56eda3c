"""`datasets` feature declarations of each config, with ClassLabel names read from the schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from detente.schemas import label_set


def _label(name: str) -> ClassLabel:
    return ClassLabel(names=label_set(name))


def _provenanced() -> dict[str, Any]:
    return {"value": Value("string"), "method": _label("provenance_method"), "evidence": Value("string")}


def document_features() -> Features:
    return Features(
        {
            "id": Value("string"),
            "title": Value("string"),
            "text": Value("string"),
            "language": Value("string"),
            "url": Value("string"),
            "publisher": _provenanced(),
            "publication_date": _provenanced(),
            "rights": {"statement": Value("string"), "source": _label("rights_source")},
            "page_metadata": {
                "bylines": List(Value("string")),
                "datelines": List({"text": Value("string"), "date": Value("string"), "time": Value("string")}),
                "publishers": List(Value("string")),
                "credits": List(Value("string")),
                "copyrights": List(Value("string")),
            },
            "provenance": {
                "source_file": Value("string"),
                "raw_path": Value("string"),
                "raw_sha256": Value("string"),
                "raw_bytes": Value("int64"),
                "raw_lines": Value("int32"),
                "cleaner": Value("string"),
            },
            "segments": List({"start": Value("int32"), "raw_start": Value("int32"), "length": Value("int32"), "line": Value("int32")}),
            "annotation": {"status": Value("string"), "annotators": List(Value("string")), "source": Value("string")},
            "entities": List(
                {
                    "id": Value("string"),
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "text": Value("string"),
                    "type": _label("entity_type"),
                    "level": _label("mention_level"),
                    "entity_id": Value("string"),
                }
            ),
            "events": List(
                {
                    "id": Value("string"),
                    "trigger": {"start": Value("int32"), "end": Value("int32"), "text": Value("string")},
                    "plover": Value("string"),  # nullable (personnel events have no PLOVER type), so not a ClassLabel
                    "mode": Value("string"),
                    "ace": Value("string"),
                    "realis": _label("realis"),
                    "arguments": List({"role": _label("argument_role"), "mention_id": Value("string")}),
                    "date": {
                        "start": Value("string"),
                        "end": Value("string"),
                        "granularity": Value("string"),
                        "anchor": Value("string"),
                        "expression": Value("string"),
                    },
                    "cluster_id": Value("string"),
                }
            ),
            "line_labels": List(
                {
                    "line": Value("int32"),
                    "class": _label("line_class"),
                    "category": _label("line_category"),
                    "label_source": _label("label_source"),
                }
            ),
        }
    )


def line_features() -> Features:
    return Features(
        {
            "doc_id": Value("string"),
            "line": Value("int32"),
            "raw_start": Value("int32"),
            "text": Value("string"),
            "class": _label("line_class"),
            "category": _label("line_category"),
            "label_source": _label("label_source"),
            "rule": Value("string"),
        }
    )


def ner_features() -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "paragraph": Value("int32"),
            "tokens": List(Value("string")),
            "token_starts": List(Value("int32")),
            "ner_tags": List(_label("bio_tag")),
        }
    )


CONFIG_FEATURES = {"documents": document_features, "lines": line_features, "ner": ner_features}


def _storage_type(feature: Any) -> pa.DataType:
    """Arrow type used on disk: ClassLabels are stored as their names, so files read well without `datasets`."""
    if isinstance(feature, ClassLabel):
        return pa.string()
    if isinstance(feature, Value):
        return feature.pa_type
    if isinstance(feature, List):
        return pa.list_(_storage_type(feature.feature))
    if isinstance(feature, dict):
        return pa.struct([pa.field(k, _storage_type(v)) for k, v in feature.items()])
    raise TypeError(f"unsupported feature {feature!r}")


def storage_schema(features: Features) -> pa.Schema:
    return pa.schema([pa.field(name, _storage_type(f)) for name, f in features.items()])
