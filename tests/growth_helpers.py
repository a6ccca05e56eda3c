"""Shared by test_add.py, test_preannotate.py and test_labelstudio.py: a temporary copy of the repository's
data, a short article written for the tests, and a simulated Label Studio reviewer."""

from __future__ import annotations

import copy
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.growth.labelstudio.config import labelling_config
from detente.growth.labelstudio.review import import_export
from detente.growth.labelstudio.tasks import accept_predictions, export_tasks
from detente.growth.preannotate import clean_text_of, dump_source, locator
from detente.pipeline.annotate import read_yaml
from detente.pipeline.build import BuildInputs, build
from detente.version import DATASET_VERSION

REPO = Path(__file__).resolve().parents[1]
RELEASED = DATASET_VERSION  # the newest published release, copied into the temporary repository
_major, _minor, _patch = map(int, RELEASED.split("."))
NEXT = f"{_major}.{_minor + 1}.0"  # the version the tests build there with the new article

# Written for these tests (not from any publication). The flag emoji in the title put characters outside the
# BMP before every mention (offsets must stay code points, as Label Studio keeps them, not UTF-16 units); the
# cleaner drops the headline (line 4) and takes line 9, which ends in an emoji instead of a full stop, for a
# footer: the review corrects both.
ARTICLE = """Home
World
Asia
Blinken and Wang Yi agree to keep talking after a long Beijing meeting \U0001F1FA\U0001F1F8\U0001F1E8\U0001F1F3
Share this article
US Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi in Beijing on Tuesday, the State Department said.
The two sides discussed trade, Taiwan and the war in Ukraine during talks that lasted more than five hours.
Wang urged Washington to respect China\u2019s core interests, and Blinken said the United States would keep channels of communication open.
Blinken will travel to Tokyo next week \U0001F30F
Most read
Copyright 2023. All rights reserved.
""".encode("utf-8")


@dataclass(frozen=True)
class RepoCopy:
    root: Path
    raw: Path
    source: Path
    annotated: Path
    changelog: Path


def repo_copy(tmp_path: Path, with_release: bool = False) -> RepoCopy:
    """raw/ and annotated/source/ (and optionally the current release, annotated/RELEASED/) copied under tmp_path."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "raw", root / "raw")
    shutil.copytree(REPO / "annotated" / "source", root / "source")
    annotated = root / "annotated"
    annotated.mkdir()
    if with_release:
        shutil.copytree(REPO / "annotated" / RELEASED, annotated / RELEASED)
    changelog = root / "CHANGELOG.md"
    changelog.write_text(f"# Changelog\n\n## {NEXT} — test\n- One more article, added and reviewed with `detente add` and Label Studio.\n", encoding="utf-8")
    return RepoCopy(root, root / "raw", root / "source", annotated, changelog)


QUOTED = "dtn-518a5a6a036e"  # the gold document add_quotations gives a `quotations:` block
# (first words, last words, kind, paraphrase, speaker, cue as (words around it, cue), addressee, source_type, side, about_event)
_QUOTATIONS = [
    ('the US should "show', "development interests", "mixed", False, "m31", ("who told him", "told"), "m30", None, "china", "v11"),
    ("I hope that the US side", 'China-US relations,', "direct", False, "m41", ("Qin said", "said"), None, "readout", "china", "v16"),
    ('Beijing\'s "stern position"', "such as Taiwan", "mixed", True, "m55", ("Qin repeated", "repeated"), None, "readout", "china", "v19"),
    ('"show respect, stop interfering', 'name of competition"', "mixed", False, "m59", ("He also urged", "urged"), "m60", None, "china", "v20"),
    ("the core of the core interests", "the core of the core interests", "direct", False, None, None, None, None, "unknown", None),
]


def add_quotations(repo: RepoCopy) -> list[dict[str, Any]]:
    """Give the gold of QUOTED a `quotations:` block (§8.4), written as the import writes it; returns the block."""
    text = clean_text_of(QUOTED, repo.raw, repo.source)
    quotations = []
    for n, (first, last, kind, paraphrase, speaker, cue, addressee, source_type, side, event) in enumerate(_QUOTATIONS, start=1):
        start = text.index(first)
        cue_at = None if cue is None else text.index(cue[0]) + cue[0].index(cue[1])
        quotations.append({
            "id": f"q{n}", **locator(text, start, text.index(last, start) + len(last)), "kind": kind, "paraphrase": paraphrase,
            "speaker": speaker, "cue": None if cue is None else locator(text, cue_at, cue_at + len(cue[1])), "addressee": addressee,
            "source_type": source_type, "side": side, "about_event": event,
        })
    path = repo.source / "annotations" / f"{QUOTED}.yaml"
    path.write_text(dump_source(read_yaml(path) | {"quotations": quotations}), encoding="utf-8")
    return quotations


def tree_bytes(directory: Path) -> dict[str, bytes]:
    """Every file's bytes, except the corpus lock (an empty file the writers' lock leaves in annotated/source/)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".detente.lock"}


def region(region_id: str, control: str, label: str, text: str, start: int, end: int, to_name: str = "text") -> dict[str, Any]:
    """A labelled span as Label Studio exports a region drawn in its editor (offsets in code points)."""
    return {"id": region_id, "from_name": control, "to_name": to_name, "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def field(item: dict[str, Any], name: str, kind: str, value: str) -> dict[str, Any]:
    """A per-region choice or text field of a region result."""
    payload = {"choices": [value]} if kind == "choices" else {"text": [value]}
    return {"id": item["id"], "from_name": name, "to_name": item["to_name"], "type": kind,
            "value": {k: item["value"][k] for k in ("start", "end", "text")} | payload}


def relation(from_id: str, to_id: str, role: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [role]}


def write_export(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def incoming(tmp_path: Path, data: bytes, name: str = "blinken-wang.txt") -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def _review_round_one(task: dict, result: list[dict]) -> None:
    """What a reviewer does to the draft: fix lines 4 and 9, drop a wrong trigger, give clusters, add arguments."""
    for item in result:
        if item["id"] == "line-4":
            item["value"]["labels"] = ["title"]
        if item["id"] == "line-9":
            item["value"]["labels"] = ["body"]
    triggers = {item["value"]["text"]: item for item in result if item.get("from_name") == "trigger"}
    war = triggers.pop("war")["id"]  # "the war in Ukraine" is not an event of this article's story
    result[:] = [item for item in result if item.get("id") != war]
    meeting = "evt:blinken-wang-beijing-meeting-2023-11-07"
    urge = "evt:wang-urges-us-to-respect-core-interests-2023-11-07"
    names = {meeting: "Antony Blinken and Wang Yi meet in Beijing (test article)", urge: "Wang Yi urges the US to respect China's core interests (test article)"}
    for word, item in triggers.items():
        cluster = urge if word == "urged" else meeting
        result += [field(item, "cluster", "textarea", cluster), field(item, "cluster_name", "textarea", names[cluster])]
    # The draft's mentions of the meeting's participants and place, each drafted once in the predicted clean text
    # (the headline, dropped by the cleaner, is not in the draft).
    drafted: dict[str, list[str]] = {}
    for item in result:
        if item.get("from_name") == "entity":
            drafted.setdefault(item["value"]["text"], []).append(item["id"])
    [blinken], [wang], [beijing] = drafted["Antony Blinken"], drafted["Wang Yi"], drafted["Beijing"]
    met = triggers["met"]["id"]
    result += [relation(met, blinken, "actor"), relation(met, wang, "recipient"), relation(beijing, met, "place")]  # drawn either way


def _review_round_two(task: dict, result: list[dict]) -> None:
    """Line 9 is now clean text: annotate it (a new entity, a dated future event with arguments)."""
    text = task["data"]["text"]
    at = text.index("Blinken will travel")
    person = region("r1", "entity", "PER", text, at, at + 7)
    place = region("r2", "entity", "GPE", text, text.index("Tokyo"), text.index("Tokyo") + 5)
    when = region("r3", "entity", "DATE", text, text.index("next week"), text.index("next week") + 9)
    trip = region("r4", "trigger", "trigger", text, text.index("travel"), text.index("travel") + 6)
    result += [
        person, field(person, "entity_id", "textarea", "ent:antony-blinken"),
        place, field(place, "entity_id", "textarea", "ent:tokyo"), field(place, "entity_name", "textarea", "Tokyo"),
        when, trip,
        field(trip, "plover", "choices", "CONSULT"), field(trip, "mode", "choices", "visit"), field(trip, "ace", "choices", "Movement:Transport"),
        field(trip, "realis", "choices", "future"), field(trip, "date_start", "textarea", "2023-11-13"), field(trip, "date_end", "textarea", "2023-11-19"),
        field(trip, "date_granularity", "choices", "day"), field(trip, "date_anchor", "choices", "publication_date"),
        field(trip, "date_expression", "textarea", "next week"), field(trip, "cluster", "textarea", "evt:blinken-tokyo-trip-2023-11"),
        field(trip, "cluster_name", "textarea", "Antony Blinken travels to Tokyo (test article)"),
        relation("r4", "r1", "actor"), relation("r4", "r2", "place"), relation("r4", "r3", "time"),
    ]
    result += _quotations_of_the_article(text, result)


def _quotations_of_the_article(text: str, result: list[dict]) -> list[dict]:
    """The article's three reported statements (guidelines §8), on the draft's mentions and triggers: a release must
    not say an article has no quotations when they were never annotated (the build refuses a file without the block)."""
    def span_of(kind: str, words: str, after: str = "") -> str:
        at = text.index(words, text.index(after) if after else 0)
        return next(i["id"] for i in result if i.get("from_name") == kind and i.get("type") == "labels" and i["value"]["start"] == at)

    said = [at for at in range(len(text)) if text.startswith(" said", at)]
    statements = [  # id, reported words, kind, cue (its start), speaker, addressee, side, event
        ("qa", "US Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi in Beijing on Tuesday", said[0] + 1,
         span_of("entity", "State Department"), None, "us", span_of("trigger", "met")),
        ("qb", "Washington to respect China\u2019s core interests", text.index("urged"), span_of("entity", "Wang", "discussed"),
         span_of("entity", "Washington"), "china", span_of("trigger", "urged")),
        ("qc", "the United States would keep channels of communication open", said[1] + 1, span_of("entity", "Blinken", "interests"), None, "us",
         span_of("trigger", "met")),
    ]
    items: list[dict] = []
    for ident, words, cue_at, speaker, addressee, side, event in statements:
        quotation = region(ident, "quotation", "indirect", text, text.index(words), text.index(words) + len(words))
        cue_end = cue_at + len(re.match(r"\w+", text[cue_at:]).group())  # type: ignore[union-attr]
        items += [quotation, field(quotation, "side", "choices", side), region(f"{ident}-cue", "cue", "cue", text, cue_at, cue_end),
                  relation(ident, f"{ident}-cue", "cue"), relation(ident, speaker, "speaker"), relation(ident, event, "about_event")]
        if addressee:
            items.append(relation(ident, addressee, "addressee"))
    return items


def review_rounds(tmp_path: Path, repo, doc_id: str, reviewer) -> tuple[list, list]:
    """Two review rounds through a callable that turns tasks into a Label Studio export (server or simulation)."""
    outcomes = []
    for n, edit in enumerate((_review_round_one, _review_round_two), start=1):
        tasks = export_tasks(repo.raw, repo.source, [doc_id])
        exported = reviewer(tasks, edit)
        outcomes.append(import_export(write_export(tmp_path / f"review-{n}.json", exported), repo.raw, repo.source))
    return outcomes


def simulated_reviewer(tasks: list[dict], edit) -> list[dict]:
    exported = accept_predictions(tasks)
    for task in exported:
        edit(task, task["annotations"][0]["result"])
    return exported


def spans_of(doc: dict) -> dict[str, str]:
    return {m["id"]: doc["text"][m["start"]:m["end"]] for m in doc["entities"]}


def check_new_release(repo, doc_id: str) -> None:
    old_release = tree_bytes(repo.annotated / RELEASED)
    release, status = build(BuildInputs(raw_dir=repo.raw, source_dir=repo.source, changelog=repo.changelog), out_root=repo.annotated, version=NEXT)
    assert status == "written" and release.pending == []
    assert tree_bytes(repo.annotated / RELEASED) == old_release
    manifest_old = json.loads((repo.annotated / RELEASED / "MANIFEST.json").read_text())
    manifest_new = json.loads((repo.annotated / NEXT / "MANIFEST.json").read_text())
    for split, docs in manifest_old["splits"].items():
        assert manifest_new["splits"][split] == sorted(docs + ([doc_id] if split == "test" else []))
    assert sum(manifest_new["counts"]["documents"].values()) == sum(manifest_old["counts"]["documents"].values()) + 1
    new_doc = next(json.loads(line) for line in (repo.annotated / NEXT / "documents" / "test.jsonl").read_text().splitlines() if json.loads(line)["id"] == doc_id)
    assert new_doc["annotation"]["status"] == "reviewed" and new_doc["annotation"]["annotators"] == ["label-studio user 1"]
    assert "Blinken will travel to Tokyo next week" in new_doc["text"]
    assert {lb["line"]: lb["label_source"] for lb in new_doc["line_labels"]}[9] == "corrected"
    trip = next(e for e in new_doc["events"] if e["trigger"]["text"] == "travel")
    assert trip["realis"] == "future" and trip["date"]["start"] == "2023-11-13"
    said = {(q["text"], q["cue"]["text"], spans_of(new_doc)[q["speaker_id"]], q["side"]) for q in new_doc["quotations"]}
    assert said == {("US Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi in Beijing on Tuesday", "said", "State Department", "us"),
                    ("Washington to respect China\u2019s core interests", "urged", "Wang", "china"),
                    ("the United States would keep channels of communication open", "said", "Blinken", "us")}
    spans = {m["id"]: new_doc["text"][m["start"]:m["end"]] for m in new_doc["entities"]}
    assert sorted((a["role"], spans[a["mention_id"]]) for a in trip["arguments"]) == [("actor", "Blinken"), ("place", "Tokyo"), ("time", "next week")]
    registry = [json.loads(line)["id"] for line in (repo.annotated / NEXT / "registry" / "entities.jsonl").read_text().splitlines()]
    assert "ent:tokyo" in registry
    # Every earlier document is released unchanged.
    for split in ("train", "validation", "test"):
        old = {json.loads(line)["id"]: line for line in (repo.annotated / RELEASED / "documents" / f"{split}.jsonl").read_text().splitlines()}
        new = {json.loads(line)["id"]: line for line in (repo.annotated / NEXT / "documents" / f"{split}.jsonl").read_text().splitlines()}
        assert {k: new[k] for k in old} == old


def server_reviewer(client):
    """Review through the API: a project per round with the generated config, tasks with predictions imported,
    an annotation created per task as a reviewer would submit it, then the JSON export."""
    rounds = iter(range(1, 100))

    def review(tasks: list[dict], edit) -> list[dict]:
        project = client.create_project(f"test round {next(rounds)}", labelling_config())
        imported = client.import_tasks(project["id"], tasks)
        assert imported["task_count"] == len(tasks) and imported["prediction_count"] == len(tasks)
        by_doc = {t["data"]["doc_id"]: t for t in tasks}
        for task in client.tasks(project["id"]):
            result = copy.deepcopy(by_doc[task["data"]["doc_id"]]["predictions"][0]["result"])
            if edit is not None:
                edit(task, result)
            client.annotate(task["id"], result)
        return client.export(project["id"])

    return review
