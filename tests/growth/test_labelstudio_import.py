"""`detente labelstudio import` never loses gold silently: each document's changes are counted by identity and
printed, a review that removes too much gold (or is empty) is refused without --allow-removals, reviews by several
annotators are refused without --annotator, wrong JSON types are located errors, and any subset of a gold
document round-trips exactly (hypothesis)."""

from __future__ import annotations

import copy
import functools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente import cli, paths
from detente.growth.labelstudio.diff import MAX_REMOVED_SHARE, Change, Diff
from detente.growth.labelstudio.review import ImportOptions, import_export
from detente.growth.labelstudio.tasks import (
    accept_predictions,
    current_annotation,
    export_tasks,
)
from detente.growth.preannotate import clean_text_of, source_registries
from detente.pipeline.annotate import Registries, read_yaml
from growth_helpers import REPO, RepoCopy, repo_copy, tree_bytes, write_export

DOC = "dtn-518a5a6a036e"
OTHER = "dtn-0885a700d99d"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoCopy:
    """A repository copy that `detente ...` (cli.main) works on."""
    copied = repo_copy(tmp_path)
    monkeypatch.setattr(paths, "RAW_DIR", copied.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", copied.source)
    return copied


@functools.cache
def _export_json(doc_ids: tuple[str, ...]) -> str:
    return json.dumps(accept_predictions(export_tasks(REPO / "raw", REPO / "annotated" / "source", list(doc_ids))))


def exported(*doc_ids: str) -> list[dict[str, Any]]:
    """The export of a reviewer who submitted the gold of each document unchanged (task IDs 1, 2, ...), as the
    repository (and so each fresh copy of it) gives it; made once per module, a fresh copy per call."""
    return json.loads(_export_json(doc_ids or (DOC,)))


def run_import(tmp_path: Path, tasks: Any, *flags: str) -> int:
    return cli.main(["labelstudio", "import", str(write_export(tmp_path / "export.json", tasks)), *flags])


def gold(repo: RepoCopy | None = None) -> dict[str, list[dict[str, Any]]]:
    """What annotations/<DOC>.yaml of the copy holds now (None: of the repository, as a fresh copy holds it), compiled."""
    if repo is None:
        return json.loads(_gold_json())
    on_file = current_annotation(DOC, repo.source, clean_text_of(DOC, repo.raw, repo.source))
    assert on_file is not None
    return on_file[1]


@functools.cache
def _gold_json() -> str:
    return json.dumps(gold(RepoCopy(REPO, REPO / "raw", REPO / "annotated" / "source", REPO / "annotated", REPO / "CHANGELOG.md")))


def counts(compiled: dict[str, list[dict[str, Any]]]) -> tuple[int, int, int]:
    return len(compiled["entities"]), len(compiled["events"]), sum(len(e["arguments"]) for e in compiled["events"])


def drop(result: list[dict[str, Any]], ids: set[str]) -> None:
    """Delete regions (with their fields and relations) as a reviewer deleting them in Label Studio would."""
    result[:] = [i for i in result if not ids & {i.get("id"), i.get("from_id"), i.get("to_id")}]


def unreferenced_mentions(compiled: dict[str, list[dict[str, Any]]]) -> list[str]:
    used = {a["mention_id"] for e in compiled["events"] for a in e["arguments"]}
    used |= {q[k] for q in compiled.get("quotations", []) for k in ("speaker_id", "addressee_id") if q[k]}  # quotation links too
    return [m["id"] for m in compiled["entities"] if m["id"] not in used]


def set_value(result: list[dict[str, Any]], region_id: str, from_name: str, **value: Any) -> None:
    next(i for i in result if i.get("id") == region_id and i.get("from_name") == from_name)["value"].update(value)


# ---------------------------------------------------------------- 1. the diff and the removal guard


@pytest.mark.parametrize("empty", [[], None], ids=["empty-list", "null"])
def test_an_empty_review_of_gold_is_refused_unless_removals_are_allowed(tmp_path, repo, capsys, empty):
    m, e, a = counts(gold())
    q = len(gold()["quotations"])
    tasks = exported()
    tasks[0]["annotations"][0]["result"] = empty
    before = tree_bytes(repo.root)
    assert run_import(tmp_path, tasks) == 1
    err = capsys.readouterr().err
    assert f"task 1 ({DOC}): would remove {m} of {m} mentions, {e} of {e} events, {a} of {a} arguments, {q} of {q} quotations of {DOC}: the review is empty" in err
    assert "import it with --allow-removals" in err and "Traceback" not in err
    assert tree_bytes(repo.root) == before

    assert run_import(tmp_path, tasks, "--allow-removals") == 0
    out = capsys.readouterr().out
    assert f"task 1 ({DOC}): against the gold: mentions {m} -> 0 (+0 -{m} ~0), events {e} -> 0 (+0 -{e} ~0), arguments {a} -> 0 (+0 -{a} ~0), quotations {q} -> 0 (+0 -{q} ~0)" in out
    assert f"task 1 ({DOC}): would remove {m} of {m} mentions, {e} of {e} events, {a} of {a} arguments, {q} of {q} quotations of {DOC}: the review is empty" in out
    assert "; imported as --allow-removals asks" in out
    written = read_yaml(repo.source / "annotations" / f"{DOC}.yaml")
    assert (written["status"], written["mentions"], written["events"]) == ("reviewed", [], [])


def _drop_mentions(compiled, k):
    return set(unreferenced_mentions(compiled)[:k])


def _drop_events(compiled, k):
    fewest_arguments = sorted(compiled["events"], key=lambda e: (len(e["arguments"]), e["id"]))
    return {e["id"] for e in fewest_arguments[:k]}


@pytest.mark.parametrize(("kind", "pick"), [("mentions", _drop_mentions), ("events", _drop_events)])
def test_removing_up_to_the_share_imports_and_one_more_is_refused(tmp_path, repo, capsys, kind, pick):
    compiled = gold()
    m, e, a = counts(compiled)
    total = {"mentions": m, "events": e}[kind]
    allowed = math.floor(MAX_REMOVED_SHARE * total)
    tasks = exported()
    drop(tasks[0]["annotations"][0]["result"], pick(compiled, allowed + 1))
    assert run_import(tmp_path, tasks) == 1
    assert f"task 1 ({DOC}): would remove {allowed + 1} of {total} {kind} of {DOC}: more than 10% of the gold's {kind}" in capsys.readouterr().err

    tasks = exported()
    dropped = pick(compiled, allowed)
    arguments_lost = sum(len(ev["arguments"]) for ev in compiled["events"] if ev["id"] in dropped)
    assert arguments_lost <= MAX_REMOVED_SHARE * a  # the events chosen do not take too many arguments with them
    drop(tasks[0]["annotations"][0]["result"], dropped)
    outcome = import_export(write_export(tmp_path / "ok.json", tasks), repo.raw, repo.source)
    expected = {"mentions": Change(m, m, 0, 0, 0), "events": Change(e, e, 0, 0, 0), "arguments": Change(a, a - arguments_lost, 0, arguments_lost, 0)}
    expected[kind] = Change(total, total - allowed, 0, allowed, 0)
    diff = outcome.diffs[DOC]
    assert Diff("gold", diff.mentions, diff.events, diff.arguments) == Diff("gold", **expected)
    assert diff.quotations is not None and diff.quotations.removed == 0  # a quotation about a dropped event only changes
    assert counts(gold(repo))[0 if kind == "mentions" else 1] == total - allowed


def test_removed_relations_count_as_lost_arguments(tmp_path, repo, capsys):
    m, e, a = counts(gold())
    tasks = exported()
    result = tasks[0]["annotations"][0]["result"]
    relations = [i for i in result if i.get("type") == "relation"]
    cut = math.floor(MAX_REMOVED_SHARE * a) + 1
    result[:] = [i for i in result if not any(i is r for r in relations[:cut])]
    assert run_import(tmp_path, tasks) == 1
    assert f"would remove {cut} of {a} arguments of {DOC}: more than 10% of the gold's arguments" in capsys.readouterr().err


def test_the_diff_counts_by_identity(tmp_path, repo):
    compiled = gold()
    m, e, a = counts(compiled)
    tasks = exported()
    result = tasks[0]["annotations"][0]["result"]
    set_value(result, "m2", "level", choices=["nominal"])  # same span and type: changed
    date = next(x for x in compiled["entities"] if x["type"] == "DATE" and x["id"] in unreferenced_mentions(compiled))
    set_value(result, date["id"], "entity", labels=["TIME"])  # another type: one mention removed, one added
    set_value(result, "v1", "realis", choices=["hypothetical"])  # same trigger and type: changed
    outcome = import_export(write_export(tmp_path / "e.json", tasks), repo.raw, repo.source)
    q = len(compiled["quotations"])
    assert outcome.diffs[DOC] == Diff("gold", Change(m, m, 1, 1, 1), Change(e, e, 0, 0, 1), Change(a, a, 0, 0, 0), Change(q, q, 0, 0, 0))


def test_mentions_a_line_correction_moves_keep_their_identity(tmp_path, repo):
    compiled = gold()
    m, e, a = counts(compiled)
    tasks = exported()
    result = tasks[0]["annotations"][0]["result"]
    line = next(i for i in result if i.get("from_name") == "line" and "Matthew Miller" in i["value"]["text"])
    line["value"]["labels"] = ["caption"]
    start = tasks[0]["data"]["text"].index(line["value"]["text"].strip())
    on_line = range(start, start + len(line["value"]["text"].strip()))
    gone = {x["id"] for x in compiled["entities"] if x["start"] in on_line}
    events_gone = {ev["id"] for ev in compiled["events"] if ev["trigger"]["start"] in on_line}
    arguments_gone = sum(1 for ev in compiled["events"] for arg in ev["arguments"] if ev["id"] in events_gone or arg["mention_id"] in gone)
    outcome = import_export(write_export(tmp_path / "e.json", tasks), repo.raw, repo.source)
    after = gold(repo)
    later = [x for x in compiled["entities"] if x["start"] >= on_line.stop]
    assert later and all(x["start"] < y["start"] for x, y in zip(after["entities"][-len(later):], later))  # moved in the clean text
    quotations_gone = sum(1 for q in compiled["quotations"] if q["start"] in on_line)
    diff = outcome.diffs[DOC]
    assert Diff("gold", diff.mentions, diff.events, diff.arguments) == Diff(
        "gold", Change(m, m - len(gone), 0, len(gone), 0), Change(e, e - len(events_gone), 0, len(events_gone), 0),
        Change(a, a - arguments_gone, 0, arguments_gone, 0),
    )
    assert diff.quotations is not None and (diff.quotations.before, diff.quotations.removed) == (len(compiled["quotations"]), quotations_gone)


@pytest.mark.parametrize("on_file", ["none", "draft"])
def test_a_draft_or_a_document_without_annotation_has_nothing_to_lose(tmp_path, repo, capsys, on_file):
    compiled = gold()
    m, e, _ = counts(compiled)
    tasks = exported()
    path = repo.source / "annotations" / f"{DOC}.yaml"
    if on_file == "none":
        path.unlink()
    else:
        path.write_text(path.read_text(encoding="utf-8").replace("status: reviewed", "status: draft"), encoding="utf-8")
    cut = math.floor(MAX_REMOVED_SHARE * m) + 10
    drop(tasks[0]["annotations"][0]["result"], set(unreferenced_mentions(compiled)[:cut]))
    assert run_import(tmp_path, tasks) == 0
    out = capsys.readouterr().out
    if on_file == "none":
        assert f"task 1 ({DOC}): new annotation file: mentions 0 -> {m - cut} (+{m - cut} -0 ~0), events 0 -> {e} (+{e} -0 ~0)" in out
    else:
        assert f"task 1 ({DOC}): against the draft: mentions {m} -> {m - cut} (+0 -{cut} ~0), events {e} -> {e} (+0 -0 ~0)" in out
    assert read_yaml(path)["status"] == "reviewed"


def test_every_document_s_changes_are_printed_before_anything_is_written(tmp_path, repo, capsys):
    tasks = exported(DOC, OTHER)
    set_value(tasks[1]["annotations"][0]["result"], "m1", "level", choices=["nominal"])
    assert run_import(tmp_path, tasks) == 0
    lines = capsys.readouterr().out.splitlines()
    summaries = [k for k, line in enumerate(lines) if ": against the gold: " in line]
    assert [lines[k].split(":")[0] for k in summaries] == [f"task 1 ({DOC})", f"task 2 ({OTHER})"]
    assert "mentions" in lines[summaries[1]] and "(+0 -0 ~1)" in lines[summaries[1]]
    assert max(summaries) < min(k for k, line in enumerate(lines) if line.startswith("wrote "))


def test_the_help_states_the_share_the_code_uses(capsys):
    with pytest.raises(SystemExit):
        cli.main(["labelstudio", "import", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"more than {MAX_REMOVED_SHARE:.0%} of a gold document's mentions, events, arguments or quotations" in help_text
    assert "--annotator NAME_OR_ID" in help_text


# ---------------------------------------------------------------- 2. reviews by several annotators


def second_review(task: dict[str, Any], who: Any, **extra: Any) -> dict[str, Any]:
    """Another submitted annotation of the task, by `who`, that makes mention m2 a nominal."""
    review = copy.deepcopy(task["annotations"][0]) | {"id": 2, "completed_by": who, **extra}
    set_value(review["result"], "m2", "level", choices=["nominal"])
    return review


def level_of_m2(repo: RepoCopy) -> str:
    return next(m["level"] for m in gold(repo)["entities"] if m["id"] == "m2")


def test_reviews_by_two_annotators_are_refused_naming_them(tmp_path, repo, capsys):
    tasks = exported()
    tasks[0]["annotations"].append(second_review(tasks[0], 2))
    before = tree_bytes(repo.root)
    assert run_import(tmp_path, tasks) == 1
    assert (f"task 1 ({DOC}): reviewed by 2 annotators: label-studio user 1 (annotation 1); label-studio user 2 (annotation 2); "
            "choose whose review to import with --annotator NAME_OR_ID") in capsys.readouterr().err
    assert tree_bytes(repo.root) == before


def test_the_same_task_twice_with_different_annotators_is_refused_naming_them(tmp_path, repo, capsys):
    tasks = exported()
    twin = copy.deepcopy(tasks[0])
    twin["annotations"] = [second_review(tasks[0], 2)]
    assert run_import(tmp_path, tasks + [twin]) == 1
    assert (f"task 1 ({DOC}) [2 copies in the export]: reviewed by 2 annotators: label-studio user 1 (annotation 1); "
            "label-studio user 2 (annotation 2)") in capsys.readouterr().err


def test_copies_of_a_task_with_different_data_are_refused(tmp_path, repo, capsys):
    tasks = exported()
    twin = copy.deepcopy(tasks[0])
    twin["data"]["heading"] = "another heading"
    assert run_import(tmp_path, tasks + [twin]) == 1
    assert f"task 1 ({DOC}) [2 copies in the export]: the copies hold different data" in capsys.readouterr().err


def test_identical_copies_of_a_task_are_one_review(tmp_path, repo, capsys):
    tasks = exported()
    assert run_import(tmp_path, tasks + copy.deepcopy(tasks)) == 0
    assert f"task 1 ({DOC}) [2 copies in the export]: against the gold: mentions" in capsys.readouterr().out


@pytest.mark.parametrize(("choice", "level", "annotator"), [
    ("2", "nominal", "label-studio:reviewer@example.org"),  # the user ID
    ("reviewer@example.org", "nominal", "label-studio:reviewer@example.org"),  # the e-mail
    ("label-studio user 1", "name", "label-studio user 1"),  # the name the refusal prints
])
def test_annotator_picks_whose_review_is_imported(tmp_path, repo, capsys, choice, level, annotator):
    tasks = exported()
    tasks[0]["annotations"].append(second_review(tasks[0], {"id": 2, "email": "reviewer@example.org"}))
    assert run_import(tmp_path, tasks, "--annotator", choice) == 0
    assert (f"task 1 ({DOC}): reviewed by label-studio user 1 (annotation 1); label-studio:reviewer@example.org (annotation 2); "
            f"--annotator {choice} imports the review by {annotator}") in capsys.readouterr().out
    assert level_of_m2(repo) == level
    assert read_yaml(repo.source / "annotations" / f"{DOC}.yaml")["annotators"][-1] == annotator


def test_an_annotator_who_reviewed_none_of_them_is_refused(tmp_path, repo, capsys):
    tasks = exported()
    tasks[0]["annotations"].append(second_review(tasks[0], 2))
    assert run_import(tmp_path, tasks, "--annotator", "7") == 1
    assert "label-studio user 2 (annotation 2); none of them is --annotator '7'" in capsys.readouterr().err


def test_of_one_annotator_s_reviews_the_latest_is_imported_and_said(tmp_path, repo, capsys):
    tasks = exported()
    tasks[0]["annotations"][0]["updated_at"] = "2024-05-02T10:00:00Z"
    tasks[0]["annotations"].append(second_review(tasks[0], 1, updated_at="2024-05-03T09:00:00Z"))
    assert run_import(tmp_path, tasks) == 0
    assert f"task 1 ({DOC}): 2 reviews by label-studio user 1; the latest (annotation 2) is imported" in capsys.readouterr().out
    assert level_of_m2(repo) == "nominal"


# ---------------------------------------------------------------- 3. wrong JSON types


def _result(tasks):
    return tasks[0]["annotations"][0]["result"]


def _item(tasks, region_id, from_name):
    return next(i for i in _result(tasks) if i.get("id") == region_id and i.get("from_name") == from_name)


def _relation(tasks):
    return next(i for i in _result(tasks) if i.get("type") == "relation")


def _edit(action):
    """A case that edits the tasks in place."""
    def mutate(tasks):
        action(tasks)
        return tasks
    return mutate


T = f"task 1 ({DOC})"
JSON_TYPE_CASES = [
    ("top-level-object", lambda t: {"tasks": t}, "a Label Studio JSON export is a list of tasks, not an object"),
    ("task-not-object", _edit(lambda t: t.append(DOC)), f'task #2: a task is an object, not a string ("{DOC}")'),
    ("data-not-object", _edit(lambda t: t[0].update(data=[DOC])), "task 1: `data` is a list; an object (doc_id, text, page) expected"),
    ("data-missing", _edit(lambda t: t[0].pop("data")), "task 1: `data` is missing; an object (doc_id, text, page) expected"),
    ("data-null", _edit(lambda t: t[0].update(data=None)), "task 1: `data` is null; an object"),
    ("annotations-not-list", _edit(lambda t: t[0].update(annotations=t[0]["annotations"][0])), f"{T}: `annotations` is an object; a list of annotations expected"),
    ("annotation-not-object", _edit(lambda t: t[0]["annotations"].append("accepted")), f'{T}: annotation #2: an annotation is an object, not a string ("accepted")'),
    ("result-not-list", _edit(lambda t: t[0]["annotations"][0].update(result={"m1": "PER"})), f"{T}: annotation 1: `result` is an object; a list of result items"),
    ("result-string", _edit(lambda t: t[0]["annotations"][0].update(result="[]")), f'{T}: annotation 1: `result` is a string ("[]")'),
    ("result-item-not-object", _edit(lambda t: _result(t).insert(0, ["m1"])), f"{T}: result 1: a result item is an object, not a list"),
    ("value-not-object", _edit(lambda t: _item(t, "m2", "entity").update(value="Antony Blinken")), f'{T}: region m2 (entity): `value` is a string ("Antony Blinken"); an object expected'),
    ("start-float", _edit(lambda t: _item(t, "m2", "entity")["value"].update(start=39.0)), f"{T}: region m2 (entity): `start` is a number (39.0); an integer offset expected"),
    ("start-zero-float", _edit(lambda t: _item(t, "m1", "entity")["value"].update(start=0.0)), f"{T}: region m1 (entity): `start` is a number (0.0); an integer offset expected"),
    ("end-boolean", _edit(lambda t: _item(t, "m2", "entity")["value"].update(end=True)), f"{T}: region m2 (entity): `end` is a boolean (true); an integer offset expected"),
    ("start-string", _edit(lambda t: _item(t, "m2", "entity")["value"].update(start="39")), f'{T}: region m2 (entity): `start` is a string ("39")'),
    ("start-missing", _edit(lambda t: _item(t, "m2", "entity")["value"].pop("start")), f"{T}: region m2 (entity): `start` is missing; an integer offset expected"),
    ("task-id-string", _edit(lambda t: t[0].update(id="1")), f'task "1" ({DOC}): `id` is a string ("1"); an integer (Label Studio\'s task ID) expected'),
    ("task-id-missing", _edit(lambda t: t[0].pop("id")), f"task #1 ({DOC}): `id` is missing; an integer (Label Studio's task ID) expected"),
    ("region-id-integer", _edit(lambda t: _item(t, "m2", "entity").update(id=2)), f"{T}: result 3 (entity labels): `id` is an integer (2); a region ID (string) expected"),
    ("relation-from-integer", _edit(lambda t: _relation(t).update(from_id=1)), "(relation): `from_id` is an integer (1); a region ID (string) expected"),
    ("relation-to-null", _edit(lambda t: _relation(t).update(to_id=None)), "(relation): `to_id` is null; a region ID (string) expected"),
    ("labels-string", _edit(lambda t: _item(t, "m2", "entity")["value"].update(labels="PER")), f'{T}: region m2 (entity): `labels` is a string ("PER"); a list of strings expected'),
    ("choice-integer", _edit(lambda t: _item(t, "m1", "level")["value"].update(choices=[1])), f"{T}: region m1 field level: `choices` holds an integer (1); a list of strings expected"),
    ("completed-by-string", _edit(lambda t: t[0]["annotations"][0].update(completed_by="1")), f'{T}: annotation 1: `completed_by` is a string ("1"); a user ID (integer) or user object expected'),
    ("cancelled-string", _edit(lambda t: t[0]["annotations"][0].update(was_cancelled="false")), f'{T}: annotation 1: `was_cancelled` is a string ("false"); true or false expected'),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in JSON_TYPE_CASES], ids=[c[0] for c in JSON_TYPE_CASES])
def test_a_wrong_json_type_is_a_located_error(tmp_path, repo, capsys, mutate, message):
    tasks = mutate(exported())
    before = tree_bytes(repo.root)
    assert run_import(tmp_path, tasks) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"detente labelstudio: error: {tmp_path / 'export.json'}: ") and message in err, err
    assert "Traceback" not in err
    assert tree_bytes(repo.root) == before


def test_mixed_task_id_types_name_the_task_with_the_odd_one(tmp_path, repo, capsys):
    tasks = exported(DOC, OTHER)
    tasks[1]["id"] = "2"
    assert run_import(tmp_path, tasks) == 1
    assert f'task "2" ({OTHER}): `id` is a string ("2"); an integer (Label Studio\'s task ID) expected' in capsys.readouterr().err


# ---------------------------------------------------------------- 4. round trip of any subset of a gold document


@pytest.fixture(scope="module")
def gold_document(tmp_path_factory: pytest.TempPathFactory) -> tuple[RepoCopy, list[dict[str, Any]], dict[str, list[dict[str, Any]]], Registries]:
    """A repository copy, the export of DOC's gold as a reviewer submits it unchanged, DOC's compiled gold, and the
    registries (loaded once: the imports add no record)."""
    repo = repo_copy(tmp_path_factory.mktemp("subsets"))
    return repo, exported(), gold(), source_registries(repo.source)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_subset_of_a_gold_document_round_trips(gold_document, data):
    repo, tasks, compiled, registries = gold_document
    mention_ids, event_ids = [m["id"] for m in compiled["entities"]], [e["id"] for e in compiled["events"]]
    mentions = data.draw(st.sets(st.sampled_from(mention_ids)), label="mentions kept")
    events = data.draw(st.sets(st.sampled_from(event_ids)), label="events kept")
    subset = copy.deepcopy(tasks)
    drop(subset[0]["annotations"][0]["result"], (set(mention_ids) - mentions) | (set(event_ids) - events))
    expected = {
        "entities": [m for m in compiled["entities"] if m["id"] in mentions],
        "events": [e | {"arguments": [a for a in e["arguments"] if a["mention_id"] in mentions]} for e in compiled["events"] if e["id"] in events],
    }
    path = repo.source / "annotations" / f"{DOC}.yaml"
    original = path.read_bytes()
    try:
        outcome = import_export(write_export(repo.root / "subset.json", subset), repo.raw, repo.source, ImportOptions(allow_removals=True))
        status, annotation = current_annotation(DOC, repo.source, subset[0]["data"]["text"], registries)
        assert (status, {k: annotation[k] for k in expected}) == ("reviewed", expected)  # quotations: tests/growth/test_labelstudio_quotations.py
        m, e, a = counts(compiled)
        kept_m, kept_e, kept_a = counts(expected)
        diff = outcome.diffs[DOC]
        assert Diff("gold", diff.mentions, diff.events, diff.arguments) == Diff(
            "gold", Change(m, kept_m, 0, m - kept_m, 0), Change(e, kept_e, 0, e - kept_e, 0), Change(a, kept_a, 0, a - kept_a, 0))
    finally:
        path.write_bytes(original)
