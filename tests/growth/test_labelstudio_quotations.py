"""Quotations (ANNOTATION_GUIDELINES.md §8) through Label Studio: a gold document's `quotations:` block is exported as
regions and relations and imported back byte for byte; a bad review is a located error; the diff counts quotations
and the removal guard covers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from detente import cli, paths
from detente.errors import InputError
from detente.growth.labelstudio.diff import Change
from detente.growth.labelstudio.review import import_export
from detente.growth.labelstudio.tasks import accept_predictions, export_tasks
from detente.pipeline.annotate import read_yaml
from growth_helpers import QUOTED, RepoCopy, add_quotations, field, region, relation, repo_copy, tree_bytes, write_export

T = f"task 1 ({QUOTED})"


@pytest.fixture
def repo(tmp_path: Path) -> RepoCopy:
    copied = repo_copy(tmp_path)
    add_quotations(copied)
    return copied


def exported(repo: RepoCopy) -> list[dict[str, Any]]:
    return accept_predictions(export_tasks(repo.raw, repo.source, [QUOTED]))


def result_of(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return tasks[0]["annotations"][0]["result"]


def annotation_path(repo: RepoCopy) -> Path:
    return repo.source / "annotations" / f"{QUOTED}.yaml"


def quotation_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("\nquotations:"):]


def drop(result: list[dict[str, Any]], keep: Any) -> None:
    result[:] = [i for i in result if keep(i)]


def test_exported_regions_and_relations_of_a_quotation(repo):
    result = result_of(exported(repo))
    q1 = {i["from_name"]: i["value"] for i in result if i.get("id") == "q1"}
    assert q1["quotation"]["labels"] == ["mixed"] and q1["side"]["choices"] == ["china"]
    assert "paraphrase" not in q1 and "source_type" not in q1  # false and null are left unset
    assert {i["from_name"]: i["value"] for i in result if i.get("id") == "q3"}["paraphrase"]["choices"] == ["paraphrase"]
    assert next(i for i in result if i.get("id") == "q1-cue")["value"] | {"start": 0, "end": 0} == {"start": 0, "end": 0, "text": "told", "labels": ["cue"]}
    links = sorted((i["to_id"], i["labels"][0]) for i in result if i.get("from_id") == "q1")
    assert links == [("m30", "addressee"), ("m31", "speaker"), ("q1-cue", "cue"), ("v11", "about_event")]
    assert not any(i.get("from_id") == "q5" for i in result)  # no speaker, cue, addressee or event


def test_quotations_round_trip_byte_for_byte(tmp_path, repo):
    path = annotation_path(repo)
    before = quotation_block(path)
    outcome = import_export(write_export(tmp_path / "export.json", exported(repo)), repo.raw, repo.source)
    assert outcome.documents == {QUOTED: "reviewed"}
    assert quotation_block(path) == before
    assert outcome.diffs[QUOTED].quotations == Change(5, 5, 0, 0, 0)
    written = path.read_bytes()  # and the file written round-trips whole
    import_export(write_export(tmp_path / "again.json", exported(repo)), repo.raw, repo.source)
    assert path.read_bytes() == written


def test_a_document_without_the_layer_gets_no_block(tmp_path):
    repo = repo_copy(tmp_path)
    path = annotation_path(repo)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nquotations:\n") + 1], encoding="utf-8")  # the block is the file's last (as the gold was before 0.7.0)
    outcome = import_export(write_export(tmp_path / "export.json", exported(repo)), repo.raw, repo.source)
    assert "quotations" not in read_yaml(annotation_path(repo)) and outcome.diffs[QUOTED].quotations is None
    assert "quotations" not in outcome.diffs[QUOTED].summary()


def test_the_import_names_a_reviewed_document_left_without_the_quotation_layer(tmp_path, monkeypatch, capsys):
    """The build refuses such a file (a missing layer is not an empty one): the import says so before that."""
    repo = repo_copy(tmp_path)
    path = annotation_path(repo)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nquotations:\n") + 1], encoding="utf-8")
    monkeypatch.setattr(paths, "RAW_DIR", repo.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", repo.source)
    assert cli.main(["labelstudio", "import", str(write_export(tmp_path / "export.json", exported(repo)))]) == 0
    out = capsys.readouterr().out
    assert (f"1 reviewed without a quotation layer (no quotation in the review): {QUOTED}; annotate their quotations in a new review, or, "
            "if one reports no speech or writing, add `quotations: []` to its file, before `detente build`") in out


def test_reviewer_edits_are_imported(tmp_path, repo):
    tasks = exported(repo)
    result, text = result_of(tasks), tasks[0]["data"]["text"]
    # q4's cue is also the trigger v20 ("urged"): linked to the trigger instead of a cue region
    drop(result, lambda i: "q4-cue" not in (i.get("id"), i.get("to_id")))
    result.append(relation("q4", "v20", "cue"))
    # q2 loses its speaker (null is fine), q5 becomes a paraphrase
    drop(result, lambda i: not (i.get("from_id") == "q2" and i["labels"] == ["speaker"]))
    q5 = next(i for i in result if i.get("id") == "q5")
    result.append(field(q5, "paraphrase", "choices", "paraphrase"))
    # a quotation drawn in the editor, its speaker relation drawn from the mention to it
    new = region("LSq1", "quotation", "indirect", text, text.index("Blinken will meet"), text.index("the relationship, the State") + len("the relationship"))
    cue = region("LSc1", "cue", "cue", text, text.index("State Department said") + 17, text.index("State Department said") + 21)
    result += [new, field(new, "side", "choices", "us"), field(new, "source_type", "choices", "statement"), cue,
               relation("m15", "LSq1", "speaker"), relation("LSq1", "LSc1", "cue")]
    outcome = import_export(write_export(tmp_path / "export.json", tasks), repo.raw, repo.source)
    quotations = {q["id"]: q for q in read_yaml(annotation_path(repo))["quotations"]}
    assert quotations["q4"]["cue"] == {"quote": "urged"} and quotations["q2"]["speaker"] is None and quotations["q5"]["paraphrase"] is True
    assert quotations["q6"] == {
        "id": "q6", "quote": text[new["value"]["start"]:new["value"]["end"]], "kind": "indirect", "paraphrase": False, "speaker": "m15",
        "cue": {"quote": "said", "occurrence": 1}, "addressee": None, "source_type": "statement", "side": "us", "about_event": None,
    }
    assert outcome.diffs[QUOTED].quotations == Change(5, 6, 1, 0, 2)


def _link(source: str, target: str, label: str):
    return lambda result: result.append(relation(source, target, label))


def _set(region_id: str, from_name: str, **value: Any):
    def mutate(result):
        next(i for i in result if i.get("id") == region_id and i.get("from_name") == from_name)["value"].update(value)
    return mutate


def _overlap(result):
    q1 = next(i for i in result if i.get("id") == "q1")["value"]
    later = {"id": "LSq", "from_name": "quotation", "to_name": "text", "type": "labels",
             "value": {"start": q1["start"] + 4, "end": q1["end"], "text": q1["text"][4:], "labels": ["direct"]}}
    result += [later, field(later, "side", "choices", "china")]


ERRORS = [
    ("speaker-is-a-trigger", _link("q5", "v11", "speaker"), "relation q5 -> v11 (speaker): speaker links a quotation to a mention, not a quotation to a trigger"),
    ("event-is-a-mention", _link("q5", "m2", "about_event"), "relation q5 -> m2 (about_event): about_event links a quotation to a trigger, not a quotation to a mention"),
    ("cue-is-a-mention", _link("q5", "m2", "cue"), "relation q5 -> m2 (cue): cue links a quotation to a cue or a trigger, not a quotation to a mention"),
    ("link-between-mentions", _link("m1", "m2", "speaker"), "relation m1 -> m2 (speaker): speaker links a quotation to a mention, not a mention to a mention"),
    ("link-to-nothing", _link("q5", "m999", "speaker"), "relation q5 -> m999 (speaker): points at region 'm999', which is not in the annotation"),
    ("two-speakers", _link("q1", "m30", "speaker"), f"{T}: quotation q1: has two speaker relations (to m31 and m30); one expected"),
    ("overlap", _overlap, "quotations q1 ('the US should \"show respect\" and stop un') and LSq ('US should \"show respect\" and stop underm'): overlap; quotations never overlap"),
    ("unknown-kind", _set("q1", "quotation", labels=["reported"]), "region q1 (quotation): unknown label 'reported' for quotation (allowed: direct, indirect, mixed)"),
    ("unknown-side", _set("q1", "side", choices=["russia"]), "region q1 field side: unknown label 'russia' (allowed: us, china, both, third_party, unknown)"),
    ("unknown-source", _set("q2", "source_type", choices=["tweet"]), "region q2 field source_type: unknown label 'tweet'"),
    ("no-side", lambda r: r.remove(next(i for i in r if i.get("id") == "q5" and i["from_name"] == "side")), f"{T}: quotation q5 ('the core of the core interests'): no side chosen"),
    ("cue-of-nothing", lambda r: r.remove(next(i for i in r if i.get("to_id") == "q1-cue")), f"{T}: region q1-cue (cue 'told'): is the cue of no quotation"),
    ("field-of-a-cue", lambda r: r.append(field(next(i for i in r if i.get("id") == "q1-cue"), "side", "choices", "us")), "region q1-cue field side: unknown control 'side' for a cue region"),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_a_bad_quotation_is_a_located_error_and_nothing_is_written(tmp_path, repo, mutate, message):
    tasks = exported(repo)
    mutate(result_of(tasks))
    before = tree_bytes(repo.root)
    with pytest.raises(InputError) as err:
        import_export(write_export(tmp_path / "bad.json", tasks), repo.raw, repo.source)
    assert f"{T}: " in str(err.value) and message in str(err.value), str(err.value)
    assert tree_bytes(repo.root) == before


def test_removing_more_than_the_share_of_gold_quotations_needs_allow_removals(tmp_path, repo, monkeypatch, capsys):
    monkeypatch.setattr(paths, "RAW_DIR", repo.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", repo.source)
    tasks = exported(repo)
    drop(result_of(tasks), lambda i: "q5" not in (i.get("id"), i.get("from_id")))  # 1 of 5: more than 10%
    export = write_export(tmp_path / "export.json", tasks)
    assert cli.main(["labelstudio", "import", str(export)]) == 1
    assert f"{T}: would remove 1 of 5 quotations of {QUOTED}: more than 10% of the gold's quotations" in capsys.readouterr().err
    assert cli.main(["labelstudio", "import", str(export), "--allow-removals"]) == 0
    assert f"{T}: against the gold: mentions" in (out := capsys.readouterr().out) and "quotations 5 -> 4 (+0 -1 ~0)" in out
    assert [q["id"] for q in read_yaml(annotation_path(repo))["quotations"]] == ["q1", "q2", "q3", "q4"]
