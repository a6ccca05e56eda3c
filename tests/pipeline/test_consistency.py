"""Annotation consistency: each kind of finding on tiny hand-built documents, a clean corpus with none, the command
line's exit statuses (0 clean, 1 findings, 2 bad input), and a deterministic run over the real sources."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente import paths
from detente.cli import main
from detente.pipeline.consistency import (
    EVENT_NO_ARGUMENTS,
    KINDS,
    MENTION_TYPE,
    MENTION_UNANNOTATED,
    TRIGGER_IN_NAMED_EVENT,
    TRIGGER_TYPE,
    TRIGGER_UNANNOTATED,
    Document,
    find_inconsistencies,
    form,
    load_documents,
    sentences,
)

ENTITIES = """\
- {id: 'ent:blinken', name: Antony Blinken, type: PER, wikidata: null}
- {id: 'ent:qin', name: Qin Gang, type: PER, wikidata: null}
- {id: 'ent:wang', name: Wang Yi, type: PER, wikidata: null}
- {id: 'ent:beijing', name: Beijing, type: GPE, wikidata: null}
- {id: 'ent:china', name: China, type: GPE, wikidata: null}
- {id: 'ent:us', name: United States, type: GPE, wikidata: null}
- {id: 'ent:white-house', name: White House, type: ORG, wikidata: null}
- {id: 'ent:white-house-building', name: White House (building), type: FAC, wikidata: null}
- {id: 'ent:g20', name: G20 summit, type: EVENT, wikidata: null}
"""
EVENTS = """\
- {id: 'evt:a', name: an event, date: null}
"""


def _event(eid: str, quote: str, plover: str, arguments: list[tuple[str, str]], **locator: Any) -> dict[str, Any]:
    return {
        "id": eid, "trigger": {"quote": quote, **locator}, "plover": plover, "mode": None, "ace": None, "realis": "actual",
        "arguments": [{"role": role, "mention": mention} for role, mention in arguments], "date": None, "cluster": "evt:a",
    }


def _mention(mid: str, quote: str, kind: str, entity: str | None, level: str = "name", **locator: Any) -> dict[str, Any]:
    return {"id": mid, "quote": quote, **locator, "type": kind, "level": level, "entity": entity}


# Consistent on its own and with CLEAN_C: every trigger and name annotated wherever it occurs.
TEXT_A = "Blinken met Qin Gang in Beijing on Wednesday.\nQin urged Blinken to respect China. The summit at the White House was candid."
SOURCE_A = {
    "doc_id": "dtn-aaaaaaaaaaaa", "status": "reviewed", "annotators": ["test"],
    "mentions": [
        _mention("m1", "Blinken", "PER", "ent:blinken", occurrence=1),
        _mention("m2", "Qin Gang", "PER", "ent:qin"),
        _mention("m3", "Beijing", "GPE", "ent:beijing"),
        _mention("m4", "Wednesday", "DATE", None),
        _mention("m5", "Qin", "PER", "ent:qin", context="Qin urged"),
        _mention("m6", "Blinken", "PER", "ent:blinken", occurrence=2),
        _mention("m7", "China", "GPE", "ent:china"),
        _mention("m8", "White House", "ORG", "ent:white-house"),
    ],
    "events": [
        _event("v1", "met", "CONSULT", [("actor", "m1"), ("actor", "m2"), ("place", "m3"), ("time", "m4")]),
        _event("v2", "urged", "REQUEST", [("actor", "m5"), ("recipient", "m6")]),
        _event("v3", "summit", "CONSULT", [("actor", "m8")]),
    ],
}
TEXT_C = "Qin met Blinken in Beijing."
SOURCE_C = {
    "doc_id": "dtn-cccccccccccc", "status": "reviewed", "annotators": ["test"],
    "mentions": [_mention("m1", "Qin", "PER", "ent:qin"), _mention("m2", "Blinken", "PER", "ent:blinken"), _mention("m3", "Beijing", "GPE", "ent:beijing")],
    "events": [_event("v1", "met", "CONSULT", [("actor", "m1"), ("actor", "m2"), ("place", "m3")])],
}
# One finding of each kind against A; "US" inside "US-China" and the lower-case "china" are not names.
TEXT_B = "Wang met Blinken at the G20 summit in Beijing. Wang urged the US to end US-China rivalry over fine china.\nBlinken said the talks at the White House were useful."
SOURCE_B = {
    "doc_id": "dtn-bbbbbbbbbbbb", "status": "reviewed", "annotators": ["test"],
    "mentions": [
        _mention("m1", "Wang", "PER", "ent:wang", occurrence=1),
        _mention("m2", "Blinken", "PER", "ent:blinken", occurrence=1),
        _mention("m3", "G20 summit", "EVENT", "ent:g20"),
        _mention("m4", "Wang", "PER", "ent:wang", occurrence=2),
        _mention("m5", "US", "GPE", "ent:us", occurrence=1),
        _mention("m6", "Blinken", "PER", "ent:blinken", occurrence=2),
        _mention("m7", "White House", "FAC", "ent:white-house-building"),
    ],
    "events": [
        _event("v1", "urged", "ACCUSE", [("actor", "m4"), ("recipient", "m5")]),
        _event("v2", "talks", "CONSULT", []),
    ],
}


@pytest.fixture()
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A corpus of A, B and C (plus a draft, which is never checked) in a temporary source folder; clean texts in
    texts/. Returns (annotations folder, text folder)."""
    source, texts = tmp_path / "source", tmp_path / "texts"
    (source / "annotations").mkdir(parents=True)
    texts.mkdir()
    (source / "entities.yaml").write_text(ENTITIES, encoding="utf-8")
    (source / "events.yaml").write_text(EVENTS, encoding="utf-8")
    draft = {**SOURCE_C, "doc_id": "dtn-dddddddddddd", "status": "draft", "mentions": [], "events": []}
    for src, text in [(SOURCE_A, TEXT_A), (SOURCE_B, TEXT_B), (SOURCE_C, TEXT_C), (draft, "Qin met Blinken in Beijing.")]:
        (source / "annotations" / f"{src['doc_id']}.yaml").write_text(yaml.safe_dump(src, allow_unicode=True, sort_keys=False), encoding="utf-8")
        (texts / f"{src['doc_id']}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(paths, "SOURCE_DIR", source)
    return source / "annotations", texts


def _documents(corpus: tuple[Path, Path], *doc_ids: str) -> list[Document]:
    annotations, texts = corpus
    return load_documents([str(annotations / f"{d}.yaml") for d in doc_ids], str(texts), [], [])


def test_each_kind_of_finding_is_found_where_it_is(corpus):
    findings = find_inconsistencies(_documents(corpus, "dtn-aaaaaaaaaaaa", "dtn-bbbbbbbbbbbb", "dtn-cccccccccccc"))
    got = [(f.doc_id, f.kind, f.text, TEXT_B[f.start:f.end]) for f in findings]
    assert got == [
        ("dtn-bbbbbbbbbbbb", TRIGGER_UNANNOTATED, "met", "met"),
        ("dtn-bbbbbbbbbbbb", TRIGGER_IN_NAMED_EVENT, "summit", "summit"),
        ("dtn-bbbbbbbbbbbb", MENTION_UNANNOTATED, "Beijing", "Beijing"),
        ("dtn-bbbbbbbbbbbb", TRIGGER_TYPE, "urged", "urged"),  # the rarer type (a tie: the first by name) is where it is shown
        ("dtn-bbbbbbbbbbbb", EVENT_NO_ARGUMENTS, "talks", "talks"),
        ("dtn-bbbbbbbbbbbb", MENTION_TYPE, "White House", "White House"),
    ]
    reasons = {f.kind: f.reason for f in findings}
    assert reasons[TRIGGER_UNANNOTATED] == "a trigger elsewhere (dtn-aaaaaaaaaaaa v1 CONSULT, dtn-cccccccccccc v1 CONSULT) but no event here"
    assert reasons[TRIGGER_IN_NAMED_EVENT].endswith("inside an EVENT name mention")
    assert reasons[TRIGGER_TYPE] == "trigger annotated with 2 PLOVER types: ACCUSE x1 (dtn-bbbbbbbbbbbb v1); REQUEST x1 (dtn-aaaaaaaaaaaa v2)"
    assert reasons[MENTION_UNANNOTATED] == "a GPE name elsewhere (dtn-aaaaaaaaaaaa m3, dtn-cccccccccccc m3) but no mention here"
    assert reasons[MENTION_TYPE] == "name annotated with 2 types: FAC x1 (dtn-bbbbbbbbbbbb m7); ORG x1 (dtn-aaaaaaaaaaaa m8)"
    assert reasons[EVENT_NO_ARGUMENTS] == "event v2 (CONSULT) has no arguments; its sentence holds m6 'Blinken' PER name"
    assert findings == sorted(findings)


def test_a_consistent_corpus_has_no_findings(corpus):
    assert find_inconsistencies(_documents(corpus, "dtn-aaaaaaaaaaaa", "dtn-cccccccccccc")) == []


def test_the_minimum_trigger_length_leaves_short_triggers_out(corpus):
    documents = _documents(corpus, "dtn-aaaaaaaaaaaa", "dtn-bbbbbbbbbbbb")
    kinds = [f.text for f in find_inconsistencies(documents, min_trigger_length=4) if f.kind == TRIGGER_UNANNOTATED]
    assert kinds == []  # "met" is 3 characters


def test_trigger_forms_match_across_case_quotes_and_whitespace_on_whole_words():
    def doc(doc_id: str, text: str, triggers: list[str]) -> Document:
        events = [
            {"id": f"v{k + 1}", "trigger": {"start": text.index(t), "end": text.index(t) + len(t), "text": t}, "plover": "REJECT", "arguments": []}
            for k, t in enumerate(triggers)
        ]
        return Document(doc_id, text, [], events)

    assert form("Won\u2019t \n meet", fold=True) == "won't meet"
    documents = [doc("dtn-1", "They won\u2019t meet.", ["won\u2019t meet"]), doc("dtn-2", "Won't  meet, not unmet, the won't meeting.", [])]
    findings = find_inconsistencies(documents)
    assert [(f.doc_id, f.start, f.end, f.text) for f in findings] == [("dtn-2", 0, 11, "Won't  meet")]


def test_sentences_split_at_end_marks_before_a_capital_or_a_quote_and_at_newlines():
    text = "He left. Then? \u201cYes!\u201d said she. e.g. this. 3. Ok\nNew line"
    assert [text[s:e] for s, e in sentences(text)] == ["He left.", "Then?", "\u201cYes!\u201d said she. e.g. this. 3.", "Ok", "New line"]


def test_the_command_checks_every_reviewed_source_and_exits_1_on_findings(corpus, capsys):
    _, texts = corpus
    assert main(["check-annotations", "--consistency", "--text-dir", str(texts)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"dtn-bbbbbbbbbbbb:5-8: {TRIGGER_UNANNOTATED}: 'met': a trigger elsewhere (dtn-aaaaaaaaaaaa v1 CONSULT, dtn-cccccccccccc v1 CONSULT) but no event here"
    assert out[6:] == ["6 finding(s) in 3 document(s):", *(f"  {kind}: 1" for kind in KINDS)]  # the draft is not checked


def test_the_command_exits_0_on_a_consistent_set_of_files(corpus, capsys):
    annotations, texts = corpus
    files = [str(annotations / "dtn-aaaaaaaaaaaa.yaml"), str(annotations / "dtn-cccccccccccc.yaml")]
    assert main(["check-annotations", "--consistency", *files, "--text-dir", str(texts)]) == 0
    assert capsys.readouterr().out.splitlines() == ["0 finding(s) in 2 document(s):", *(f"  {kind}: 0" for kind in KINDS)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda path: path.write_text("doc_id: [", encoding="utf-8"), "dtn-bbbbbbbbbbbb.yaml:2: invalid YAML"),
        (lambda path: path.write_text(path.read_text(encoding="utf-8").replace("quote: talks", "quote: tlaks"), encoding="utf-8"),
         "dtn-bbbbbbbbbbbb.yaml: event v2 ('tlaks'): quote 'tlaks' not found in the clean text"),
        (lambda path: path.unlink(), "dtn-bbbbbbbbbbbb.yaml: no such file"),
    ],
)
def test_bad_input_exits_2_naming_the_file(corpus, capsys, change, message):
    annotations, texts = corpus
    target = annotations / "dtn-bbbbbbbbbbbb.yaml"
    change(target)
    code = main(["check-annotations", "--consistency", str(annotations / "dtn-aaaaaaaaaaaa.yaml"), str(target), "--text-dir", str(texts)])
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err
    assert "detente check-annotations: error: 1 of 2 file(s): do not compile" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_bad_options_exit_2_and_plain_checking_still_needs_files(corpus, capsys):
    _, texts = corpus
    assert main(["check-annotations", "--consistency", "--min-trigger-length", "0", "--text-dir", str(texts)]) == 2
    assert "--min-trigger-length: must be 1 or more, not 0" in capsys.readouterr().err
    assert main(["check-annotations"]) == 1
    assert "give YAML file(s) to check, or --consistency" in capsys.readouterr().err


FINDING = re.compile(r"(dtn-[0-9a-f]{12}):(\d+)-(\d+): ([a-z-]+): ")


def test_the_real_sources_check_completes_sorted_and_deterministic(capsys):
    """Not a gold-quality gate (the gold is under revision): the check runs, and its output is sorted and stable."""
    runs = []
    for _ in range(2):
        assert main(["check-annotations", "--consistency"]) in (0, 1)
        captured = capsys.readouterr()
        assert captured.err == ""
        runs.append(captured.out.splitlines())
    assert runs[0] == runs[1]
    lines = runs[0]
    head = next(k for k, line in enumerate(lines) if re.match(r"\d+ finding\(s\) in \d+ document\(s\):$", line))
    matches = [FINDING.match(line) for line in lines[:head]]
    assert all(matches)
    keys = [(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)) for m in matches if m]
    assert keys == sorted(keys)
    counts = {kind: sum(key[3] == kind for key in keys) for kind in KINDS}
    assert lines[head].startswith(f"{len(keys)} finding(s) in ")
    assert lines[head + 1:] == [f"  {kind}: {counts[kind]}" for kind in KINDS]
