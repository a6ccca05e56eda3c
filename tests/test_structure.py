"""Record structure has one source, schema/: the Arrow schemas (release and scale) and the `datasets` features are
derived from it; these tests fail when the files on disk, the features or the derivation rules drift from it."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, Features, Value

from detente import structure
from detente.errors import SchemaError
from detente.features import CONFIG_FEATURES
from detente.paths import ANNOTATED_DIR
from detente.scale.core import ARROW_SCHEMAS
from detente.schemas import label_set
from detente.structure import CONFIG_SCHEMAS, Label, ListOf, Scalar, Struct, arrow_schema, record_structure
from detente.version import DATASET_VERSION

RELEASE = ANNOTATED_DIR / DATASET_VERSION


@pytest.mark.parametrize("config", sorted(CONFIG_SCHEMAS))
def test_release_parquet_columns_are_the_structure_of_the_schema(config):
    """Class labels stored as indices, and the schema metadata holds the same features the configs declare."""
    for split in ("train", "validation", "test"):
        on_disk = pq.read_schema(RELEASE / config / f"{split}.parquet")
        assert on_disk.remove_metadata().equals(arrow_schema(CONFIG_SCHEMAS[config], labels_as_index=True)), (config, split)
        stored = json.loads(on_disk.metadata[b"huggingface"])["info"]["features"]
        assert Features.from_dict(stored) == CONFIG_FEATURES[config](), (config, split)


@pytest.mark.parametrize("config", sorted(CONFIG_SCHEMAS))
def test_every_schema_property_is_a_column_and_every_column_a_property(config):
    schema = json.loads((RELEASE / "schema" / f"{CONFIG_SCHEMAS[config]}.schema.json").read_text(encoding="utf-8"))
    assert sorted(CONFIG_FEATURES[config]()) == sorted(schema["properties"])


def test_class_labels_carry_the_schema_label_sets():
    documents = CONFIG_FEATURES["documents"]()
    assert documents["entities"].feature["type"].names == label_set("entity_type")
    assert documents["events"].feature["arguments"].feature["role"].names == label_set("argument_role")
    assert documents["line_labels"].feature["category"].names == label_set("line_category")
    assert CONFIG_FEATURES["ner"]()["ner_tags"].feature.names == label_set("bio_tag")
    # nullable label sets are ClassLabels too (a missing value stays null)
    assert documents["events"].feature["plover"].names == label_set("plover_type")
    assert documents["events"].feature["mode"].names == label_set("plover_mode")
    assert documents["events"].feature["ace"].names == label_set("ace_subtype")
    assert documents["events"].feature["date"]["granularity"].names == label_set("date_granularity")
    assert isinstance(documents["events"].feature["realis"], ClassLabel)
    assert documents["provenance"]["raw_bytes"] == Value("int64")


def test_scale_outputs_use_the_derived_schemas():
    assert ARROW_SCHEMAS["documents"].equals(arrow_schema("scaled_document"))
    assert ARROW_SCHEMAS["lines"].equals(arrow_schema("line"))


def _with_schemas(monkeypatch, schemas):
    structure.record_structure.cache_clear()
    monkeypatch.setattr(structure, "load_schema", lambda name: schemas[name])


def test_derivation_rules_on_a_small_schema(monkeypatch):
    labels = {"$defs": {"colour": {"enum": ["red", "blue"]}}}
    record = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "colour": {"$ref": "urn:detente:schema:labels#/$defs/colour"},
            "maybe_colour": {"anyOf": [{"$ref": "urn:detente:schema:labels#/$defs/colour"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "inner": {"type": ["object", "null"], "properties": {"c": {"$ref": "urn:detente:schema:labels#/$defs/colour"}}},
            "fixed": {"const": "x"},
        },
    }
    _with_schemas(monkeypatch, {"labels": labels, "toy": record})
    try:
        assert record_structure("toy") == Struct((
            ("n", Scalar("int32")),
            ("colour", Label(("red", "blue"))),
            ("maybe_colour", Label(("red", "blue"))),  # nullable: still a label (null stays null)
            ("tags", ListOf(Scalar("string"))),
            ("inner", Struct((("c", Label(("red", "blue"))),))),
            ("fixed", Scalar("string")),
        ))
    finally:
        structure.record_structure.cache_clear()


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ({"type": "number"}, r"toy.x: type 'number' has no column type"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, r"toy.x: anyOf with more than one non-null option"),
        ({"type": ["string", "integer"]}, r"toy.x: type \['string', 'integer'\] has no column type"),
    ],
)
def test_a_schema_the_rules_cannot_map_is_a_named_error(monkeypatch, prop, message):
    _with_schemas(monkeypatch, {"toy": {"type": "object", "properties": {"x": prop}}})
    try:
        with pytest.raises(SchemaError, match=message):
            record_structure("toy")
    finally:
        structure.record_structure.cache_clear()


def test_a_column_order_that_is_not_the_schemas_properties_is_an_error(monkeypatch):
    _with_schemas(monkeypatch, {"toy": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}})
    monkeypatch.setitem(structure.COLUMN_ORDER, "toy", ("a",))
    try:
        with pytest.raises(SchemaError, match=r"toy: column order \('a',\) does not list every property of the schema \('a', 'b'\)"):
            record_structure("toy")
    finally:
        structure.record_structure.cache_clear()


def test_a_release_whose_schema_predates_a_column_keeps_its_own_columns():
    old = structure.release_structure(ANNOTATED_DIR / "0.6.0", "document")
    new = structure.release_structure(ANNOTATED_DIR / "0.7.0", "document")
    assert [name for name, _ in old.fields][-2:] == ["events", "line_labels"]
    assert [name for name, _ in new.fields][-3:] == ["events", "line_labels", "quotations"]
