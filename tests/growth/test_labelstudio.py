"""Label Studio round trip: config from the schema, gold -> tasks -> export -> identical standoff annotation,
located errors for bad exports, and the same against a real Label Studio server on loopback."""

from __future__ import annotations

import copy
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from detente.errors import InputError
from detente.growth.labelstudio.config import (
    CHOICE_FIELDS,
    QUOTATION_FIELDS,
    QUOTATION_LINKS,
    TEXT_FIELDS,
    labelling_config,
)
from detente.growth.labelstudio.review import import_export, parse_regions
from detente.growth.labelstudio.tasks import (
    accept_predictions,
    annotation_results,
    export_tasks,
    main_export,
    pending_documents,
)
from detente.growth.preannotate import load_gold
from detente.schemas import label_set, load_schema
from growth_helpers import (
    ARTICLE,
    REPO,
    relation,
    repo_copy,
    server_reviewer,
    tree_bytes,
    write_export,
)

GOLD = ["dtn-0885a700d99d", "dtn-2544203ab46a", "dtn-32a52c8a8bac", "dtn-518a5a6a036e", "dtn-692ce5b72fcc"]


def test_config_label_sets_are_the_schema_label_sets():
    view = ET.fromstring(labelling_config())
    labels = {el.get("name"): [lb.get("value") for lb in el] for el in view.iter("Labels")}
    assert labels == {
        "entity": label_set("entity_type"), "trigger": ["trigger"], "quotation": label_set("quotation_kind"), "cue": ["cue"],
        "line": label_set("line_category"),
    }
    assert [r.get("value") for r in view.iter("Relation")] == label_set("argument_role") + ["speaker", "addressee", "cue", "about_event"]
    quotation_fields = load_schema("annotation_source")["$defs"]["quotation"]["properties"]
    assert set(QUOTATION_LINKS) | set(QUOTATION_FIELDS) | {"kind"} < set(quotation_fields)  # named as the source format names them
    choices = {el.get("name"): [c.get("value") for c in el.iter("Choice")] for el in view.iter("Choices")}
    assert choices == {name: label_set(schema_name) for name, schema_name in CHOICE_FIELDS.items()} | {"paraphrase": ["paraphrase"]}
    assert sorted(el.get("name") for el in view.iter("TextArea")) == sorted(TEXT_FIELDS)
    per_region = [el for el in view.iter() if el.tag in ("Choices", "TextArea")]
    assert all(el.get("perRegion") == "true" and el.get("toName") == "text" for el in per_region)
    assert [(t.get("name"), t.get("value")) for t in view.iter("Text")] == [("text", "$text"), ("page", "$page")]


def test_offsets_are_code_points_even_after_characters_outside_the_bmp():
    # Label Studio 1.23.2 places predictions and stores editor-drawn regions in code points (not UTF-16 units).
    text = "\U0001F1FA\U0001F1F8 Blinken met Qin Gang"
    compiled = {"entities": [{"id": "m1", "start": 3, "end": 10, "text": "Blinken", "type": "PER", "level": "name", "entity_id": "ent:antony-blinken"}], "events": []}
    region = annotation_results(compiled, text)[0]
    assert region["value"] | {"labels": None} == {"start": 3, "end": 10, "text": "Blinken", "labels": None}
    regions, _ = parse_regions([region], text, "", "task 1")
    assert (regions["m1"].start, regions["m1"].end) == (3, 10)


def test_every_gold_document_round_trips_without_a_server(tmp_path):
    repo = repo_copy(tmp_path)
    gold = {d.doc_id: d.compiled for d in load_gold(repo.raw, repo.source)}
    assert sorted(gold) == GOLD and pending_documents(repo.raw, repo.source) == []
    before = tree_bytes(repo.source)
    tasks = export_tasks(repo.raw, repo.source, GOLD)
    result = import_export(write_export(tmp_path / "export.json", accept_predictions(tasks)), repo.raw, repo.source)
    assert result.documents == {d: "reviewed" for d in GOLD} and result.messages == []
    after = tree_bytes(repo.source)
    # Only the annotation files are rewritten; registries and line corrections (dtn-32a52c8a8bac) are unchanged.
    assert {k for k in after if after[k] != before.get(k)} == {f"annotations/{d}.yaml" for d in GOLD}
    assert load_gold_compiled(repo) == gold
    for doc_id in GOLD:
        from detente.pipeline.annotate import read_yaml

        old = yaml_of(before[f"annotations/{doc_id}.yaml"])
        new = read_yaml(repo.source / "annotations" / f"{doc_id}.yaml")
        assert new["annotators"] == old["annotators"] + ["label-studio user 1"] and new.get("notes") == old.get("notes")


def load_gold_compiled(repo) -> dict:
    return {d.doc_id: d.compiled for d in load_gold(repo.raw, repo.source)}


def yaml_of(data: bytes):
    import yaml

    return yaml.safe_load(data.decode("utf-8"))


def test_main_export_writes_config_and_pending_tasks(tmp_path, capsys):
    repo = repo_copy(tmp_path)
    (repo.source / "annotations" / "dtn-518a5a6a036e.yaml").unlink()
    assert main_export(repo.raw, repo.source, tmp_path / "out", [], include_all=False) == 0
    tasks = json.loads((tmp_path / "out" / "tasks.json").read_text())
    assert [t["data"]["doc_id"] for t in tasks] == ["dtn-518a5a6a036e"]
    assert {r["from_name"] for r in tasks[0]["predictions"][0]["result"]} == {"line"}  # no annotation yet: line labels only
    assert (tmp_path / "out" / "config.xml").read_text() == labelling_config()


def _one_task_export(repo, doc_id: str = "dtn-518a5a6a036e") -> list[dict]:
    return accept_predictions(export_tasks(repo.raw, repo.source, [doc_id]))


def _set(items: list[dict], region_id: str, from_name: str, **value) -> None:
    item = next(i for i in items if i.get("id") == region_id and i.get("from_name") == from_name)
    item["value"].update(value)


def _bad_label(result):
    _set(result, "m2", "entity", labels=["PERSON"])


def _bad_span(result):
    _set(result, "m2", "entity", text="Anthony Blinken")


def _dangling_relation(result):
    result.append(relation("v1", "m999", "actor"))


def _bad_choice(result):
    _set(result, "v1", "plover", choices=["MEET"])


def _placeholder_cluster(result):
    _set(result, "v1", "cluster", text=["evt:draft-518a5a6a036e-v1"])


def _unknown_entity(result):
    _set(result, "m2", "entity_id", text=["ent:nobody"])


def _offsets_outside(result):
    _set(result, "m2", "entity", start=100000, end=100007)


def _relation_without_role(result):
    result.append({"from_id": "v1", "to_id": "m2", "type": "relation", "direction": "right", "labels": []})


def _mode_of_another_type(result):
    _set(result, "v1", "mode", choices=["aerial"])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_bad_label, "region m2 (entity): unknown label 'PERSON' for entity"),
        (_bad_span, "region m2 (entity): span text 'Anthony Blinken' does not match the clean text at ["),
        (_offsets_outside, "region m2 (entity): offsets [100000, 100007) are outside the clean text"),
        (_dangling_relation, "relation v1 -> m999 (actor): points at region 'm999', which is not in the annotation"),
        (_relation_without_role, "relation v1 -> m2: needs exactly one role label"),
        (_bad_choice, "region v1 field plover: unknown label 'MEET'"),
        (_placeholder_cluster, "no event cluster: give a registry ID"),
        (_unknown_entity, "entity 'ent:nobody' is not in the registry; give entity_name to add it"),
        (_mode_of_another_type, "mode 'aerial' is not a mode of CONSULT"),
    ],
)
def test_bad_export_is_rejected_naming_the_task_and_nothing_is_written(tmp_path, mutate, message):
    repo = repo_copy(tmp_path, with_release=True)
    exported = _one_task_export(repo)
    mutate(exported[0]["annotations"][0]["result"])
    path = write_export(tmp_path / "bad.json", exported)
    before = tree_bytes(repo.root)
    with pytest.raises(InputError) as err:
        import_export(path, repo.raw, repo.source)
    text = str(err.value)
    assert text.startswith(f"{path}: 1 task(s) rejected, nothing written:") and "task 1 (dtn-518a5a6a036e)" in text and message in text, text
    assert tree_bytes(repo.root) == before


def test_task_for_an_unknown_document_and_changed_text_are_rejected(tmp_path):
    repo = repo_copy(tmp_path)
    exported = _one_task_export(repo) + _one_task_export(repo, "dtn-0885a700d99d")
    exported[1]["id"] = 2
    unknown = copy.deepcopy(exported[0])
    unknown["id"], unknown["data"]["doc_id"] = 3, "dtn-000000000000"
    changed = copy.deepcopy(exported[1])
    changed["id"], changed["data"]["text"] = 4, changed["data"]["text"] + " (edited)"
    path = write_export(tmp_path / "bad.json", exported + [unknown, changed])
    before = tree_bytes(repo.root)
    with pytest.raises(InputError) as err:
        import_export(path, repo.raw, repo.source)
    text = str(err.value)
    assert "2 task(s) rejected" in text
    assert f"task 3 (dtn-000000000000): document 'dtn-000000000000' is not in {repo.raw}: a task for an unknown document" in text
    assert "task 4 (dtn-0885a700d99d): the texts of dtn-0885a700d99d changed since the task was exported" in text
    assert tree_bytes(repo.root) == before


def test_tasks_without_a_submitted_annotation_are_skipped(tmp_path):
    repo = repo_copy(tmp_path)
    exported = _one_task_export(repo)
    exported[0]["annotations"][0]["was_cancelled"] = True
    before = tree_bytes(repo.root)
    result = import_export(write_export(tmp_path / "e.json", exported), repo.raw, repo.source)
    assert result.documents == {} and result.messages == ["task 1 (dtn-518a5a6a036e): no submitted annotation; left as it is"]
    assert tree_bytes(repo.root) == before


def test_a_line_taken_out_of_the_clean_text_takes_its_mentions_with_it(tmp_path):
    repo = repo_copy(tmp_path)
    exported = _one_task_export(repo)
    task = exported[0]
    result = task["annotations"][0]["result"]
    page = task["data"]["page"]
    line = next(i for i in result if i.get("from_name") == "line" and "Matthew Miller" in i["value"]["text"])
    line["value"]["labels"] = ["caption"]
    outcome = import_export(write_export(tmp_path / "e.json", exported), repo.raw, repo.source)
    assert outcome.documents == {"dtn-518a5a6a036e": "reviewed"}
    assert any("dropped entity 'Matthew Miller'" in m for m in outcome.messages)
    corrections = json.loads((repo.source / "line_corrections" / "dtn-518a5a6a036e.json").read_text())
    number = page[: page.index(line["value"]["text"])].count("\n") + 1
    committed = json.loads((REPO / "annotated" / "source" / "line_corrections" / "dtn-518a5a6a036e.json").read_text())["corrections"]
    added = [c for c in corrections["corrections"] if c not in committed]  # the corrections already reviewed stay as they were
    assert [(c["line"], c["category"]) for c in added] == [(number, "caption")]
    assert len(corrections["corrections"]) == len(committed) + 1
    assert added[0]["reason"].startswith("Reviewed in Label Studio (task 1 (dtn-518a5a6a036e), label-studio user 1)")
    compiled = load_gold_compiled(repo)["dtn-518a5a6a036e"]  # compiles against the new clean text
    assert "Matthew Miller" not in {m["text"] for m in compiled["entities"]}


# ---------------------------------------------------------------- against a real Label Studio


def test_install_script_pins_the_version_the_code_expects():
    from detente.growth.labelstudio.server import LABEL_STUDIO_VERSION
    script = (Path(__file__).resolve().parents[2] / "scripts" / "label_studio.sh").read_text()
    assert re.search(r"^VERSION=(\S+)$", script, re.M).group(1) == LABEL_STUDIO_VERSION


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    from detente.growth.labelstudio.server import (
        EXECUTABLE_ENV,
        VENV,
        executable,
        start,
    )

    if executable() is None:
        reason = f"Label Studio is not installed ({VENV}/bin/label-studio or ${EXECUTABLE_ENV}): run scripts/label_studio.sh --install-only"
        if os.environ.get("DETENTE_REQUIRE_LABEL_STUDIO"):
            pytest.fail(reason + " (DETENTE_REQUIRE_LABEL_STUDIO is set, as in CI)")
        pytest.skip(reason)
    server = start(tmp_path_factory.mktemp("label-studio"))
    yield server
    server.stop()


def test_label_studio_server_round_trip_of_the_gold(tmp_path, label_studio):
    repo = repo_copy(tmp_path)
    gold = load_gold_compiled(repo)
    exported = server_reviewer(label_studio.client)(export_tasks(repo.raw, repo.source, GOLD), None)
    assert len(exported) == 5 and all(len(t["annotations"]) == 1 for t in exported)
    result = import_export(write_export(tmp_path / "export.json", exported), repo.raw, repo.source)
    assert result.documents == {d: "reviewed" for d in GOLD}
    assert load_gold_compiled(repo) == gold


def test_label_studio_server_round_trip_of_quotations(tmp_path, label_studio):
    from detente.pipeline.annotate import read_yaml
    from growth_helpers import QUOTED, add_quotations

    repo = repo_copy(tmp_path)
    quotations = add_quotations(repo)
    exported = server_reviewer(label_studio.client)(export_tasks(repo.raw, repo.source, [QUOTED]), None)
    import_export(write_export(tmp_path / "export.json", exported), repo.raw, repo.source)
    assert read_yaml(repo.source / "annotations" / f"{QUOTED}.yaml")["quotations"] == quotations


def test_label_studio_server_new_article_end_to_end(tmp_path, label_studio):
    from detente.growth.add import AddOptions, add_article
    from detente.growth.preannotate import preannotate
    from growth_helpers import check_new_release, incoming, review_rounds

    repo = repo_copy(tmp_path, with_release=True)
    doc_id = add_article(incoming(tmp_path, ARTICLE), repo.raw, repo.source, AddOptions(date="2023-11-07")).doc_id
    preannotate(doc_id, repo.raw, repo.source)
    first, second = review_rounds(tmp_path, repo, doc_id, server_reviewer(label_studio.client))
    assert first.documents == {doc_id: "draft"} and second.documents == {doc_id: "reviewed"}
    check_new_release(repo, doc_id)
