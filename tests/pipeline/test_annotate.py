"""Annotation sources: quotes compile to offsets, and every malformed file gives a located error."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from detente.errors import InputError, OffsetError, SchemaError
from detente.offsets import check_annotation_spans
from detente.pipeline.annotate import (
    compile_document,
    load_registries,
    locate,
)
from detente.pipeline.ner import ner_rows

TEXT = "Blinken met Qin Gang in Beijing on Wednesday.\nQin urged Blinken to respect China. Blinken said the talks were candid."

ENTITIES = """\
- {id: ent:antony-blinken, name: Antony Blinken, type: PER, wikidata: null}
- {id: ent:qin-gang, name: Qin Gang, type: PER, wikidata: null}
- {id: ent:beijing, name: Beijing, type: GPE, wikidata: null}
- {id: ent:china, name: China, type: GPE, wikidata: null}
"""
EVENTS = """\
- {id: evt:meeting, name: Blinken meets Qin, date: {start: "2023-06-14", end: null}}
- {id: evt:urge, name: Qin urges Blinken, date: null}
"""

SOURCE = {
    "doc_id": "dtn-000000000000",
    "status": "reviewed",
    "annotators": ["test"],
    "mentions": [
        {"id": "m1", "quote": "Blinken", "occurrence": 1, "type": "PER", "level": "name", "entity": "ent:antony-blinken"},
        {"id": "m2", "quote": "Qin Gang", "type": "PER", "level": "name", "entity": "ent:qin-gang"},
        {"id": "m3", "quote": "Beijing", "type": "GPE", "level": "name", "entity": "ent:beijing"},
        {"id": "m4", "quote": "Wednesday", "type": "DATE", "level": "name", "entity": None},
        {"id": "m5", "quote": "Qin", "context": "Qin urged", "type": "PER", "level": "name", "entity": "ent:qin-gang"},
        {"id": "m6", "quote": "Blinken", "context": "urged Blinken", "type": "PER", "level": "name", "entity": "ent:antony-blinken"},
    ],
    "events": [
        {
            "id": "v1", "trigger": {"quote": "met"}, "plover": "CONSULT", "mode": "visit", "ace": "Contact:Meet", "realis": "actual",
            "arguments": [{"role": "actor", "mention": "m1"}, {"role": "recipient", "mention": "m2"}, {"role": "place", "mention": "m3"}, {"role": "time", "mention": "m4"}],
            "date": {"start": "2023-06-14", "end": None, "granularity": "day", "anchor": "publication_date", "expression": "on Wednesday"},
            "cluster": "evt:meeting",
        },
        {
            "id": "v2", "trigger": {"quote": "urged"}, "plover": "REQUEST", "mode": "change", "ace": None, "realis": "actual",
            "arguments": [{"role": "actor", "mention": "m5"}, {"role": "recipient", "mention": "m6"}], "date": None, "cluster": "evt:urge",
        },
    ],
}


@pytest.fixture()
def registries(tmp_path: Path):
    (tmp_path / "entities.yaml").write_text(ENTITIES)
    (tmp_path / "events.yaml").write_text(EVENTS)
    return load_registries([tmp_path / "entities.yaml"], [tmp_path / "events.yaml"])


def test_quotes_compile_to_offsets_that_reproduce_them(registries):
    compiled = compile_document(SOURCE, TEXT, registries, "a.yaml")
    spans = {m["id"]: (m["start"], m["end"], m["text"]) for m in compiled["entities"]}
    assert spans["m1"] == (0, 7, "Blinken")
    assert spans["m6"] == (TEXT.index("urged Blinken") + 6, TEXT.index("urged Blinken") + 13, "Blinken")
    assert spans["m5"] == (46, 49, "Qin")
    assert compiled["events"][0]["trigger"] == {"start": 8, "end": 11, "text": "met"}
    assert compiled["events"][0]["arguments"][0] == {"role": "actor", "mention_id": "m1"}


def _broken(change) -> dict:
    source = copy.deepcopy(SOURCE)
    change(source)
    return source


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s["mentions"][0].pop("occurrence"), InputError, r"a.yaml: mention m1 \('Blinken'\): quote 'Blinken' is ambiguous: it occurs 3 times; add `occurrence` or `context`"),
        (lambda s: s["mentions"][1].update(quote="Qin Gong"), InputError, r"mention m2 \('Qin Gong'\): quote 'Qin Gong' not found in the clean text"),
        (lambda s: s["mentions"][0].update(occurrence=9), InputError, r"quote 'Blinken' occurs 3 times; occurrence 9 does not exist"),
        (lambda s: s["mentions"][4].update(context="Qin"), InputError, r"context 'Qin' occurs 2 times in the clean text"),
        (lambda s: s["mentions"][1].update(type="PERSON"), SchemaError, r"mentions/1/type: 'PERSON' is not one of"),
        (lambda s: s["mentions"][1].update(id="m1"), InputError, r"mention m1 \('Qin Gang'\): duplicate mention ID"),
        (lambda s: s["events"][1].update(id="v1"), InputError, r"event v1 \('urged'\): duplicate event ID"),
        (lambda s: s["events"][0]["arguments"].append({"role": "actor", "mention": "m99"}), InputError, r"event v1 \('met'\): argument actor points at 'm99', which is not a mention of this document"),
        (lambda s: s["events"][0].update(mode="phone-ish"), SchemaError, r"events/0/mode"),
        (lambda s: s["events"][1].update(mode="visit"), InputError, r"mode 'visit' is not a mode of REQUEST"),
        (lambda s: s["events"][0].update(cluster="evt:unknown"), InputError, r"cluster 'evt:unknown' is not in the event registry"),
        (lambda s: s["mentions"][1].update(entity="ent:nobody"), InputError, r"entity 'ent:nobody' is not in the entity registry"),
        (lambda s: s["mentions"][3].update(entity="ent:china"), InputError, r"DATE mentions are values and take `entity: null`"),
        (lambda s: s["mentions"][2].update(type="LOC"), InputError, r"type LOC differs from the registry's GPE for ent:beijing"),
        (lambda s: s["mentions"].append({"id": "m7", "quote": "Qin Gang in", "type": "PER", "level": "name", "entity": "ent:qin-gang"}), InputError, r"mentions m2 \('Qin Gang'\) and m7 \('Qin Gang in'\): overlap"),
        (lambda s: s["events"][0]["arguments"].append({"role": "time", "mention": "m3"}), InputError, r"role time needs a DATE/TIME mention, m3 is GPE"),
        (lambda s: s["events"][1].update(plover=None, mode=None), InputError, r"needs a PLOVER type or an ACE subtype"),
    ],
)
def test_malformed_annotation_gives_a_located_error(registries, change, error, message):
    with pytest.raises(error, match=message):
        compile_document(_broken(change), TEXT, registries, "a.yaml")


def test_offsets_that_do_not_reproduce_their_text_are_an_error(registries):
    compiled = compile_document(SOURCE, TEXT, registries, "a.yaml")
    compiled["entities"][0]["start"] += 1
    with pytest.raises(OffsetError, match=r"a.yaml: m1: offsets \[1, 7\) do not reproduce 'Blinken'"):
        check_annotation_spans(compiled, TEXT, "a.yaml")


def test_duplicate_registry_id_is_refused(tmp_path):
    (tmp_path / "e.yaml").write_text(ENTITIES + "- {id: ent:china, name: PRC, type: GPE, wikidata: null}\n")
    (tmp_path / "v.yaml").write_text(EVENTS)
    with pytest.raises(InputError, match=r"e.yaml: record 5: duplicate ID 'ent:china'"):
        load_registries([tmp_path / "e.yaml"], [tmp_path / "v.yaml"])


def test_context_must_contain_the_quote_once():
    with pytest.raises(InputError, match=r"quote 'x' occurs 0 times in its context 'Qin urged'"):
        locate(TEXT, {"quote": "x", "context": "Qin urged"}, "w")


def test_ner_rows_tag_name_mentions_in_iob2(registries):
    compiled = compile_document(SOURCE, TEXT, registries, "a.yaml")
    rows = ner_rows("dtn-000000000000", TEXT, compiled["entities"])
    assert [r["id"] for r in rows] == ["dtn-000000000000-p000", "dtn-000000000000-p001"]
    assert list(zip(rows[0]["tokens"], rows[0]["ner_tags"])) == [
        ("Blinken", "B-PER"), ("met", "O"), ("Qin", "B-PER"), ("Gang", "I-PER"), ("in", "O"), ("Beijing", "B-GPE"),
        ("on", "O"), ("Wednesday", "B-DATE"), (".", "O"),
    ]
    assert rows[1]["token_starts"][0] == TEXT.index("Qin urged")


def test_mention_inside_a_token_is_an_error_for_ner():
    with pytest.raises(OffsetError, match=r"mention m1 \('Blink'\): does not start and end on token boundaries"):
        ner_rows("dtn-000000000000", TEXT, [{"id": "m1", "start": 0, "end": 5, "text": "Blink", "type": "PER", "level": "name"}])


def test_check_annotations_names_a_file_that_is_not_a_source_or_names_no_page(tmp_path, capsys):
    from detente.cli import main

    files = {"empty.yaml": "", "list.yaml": "- a\n", "nameless.yaml": "status: reviewed\n", "unknown.yaml": "doc_id: dtn-ffffffffffff\nstatus: reviewed\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["check-annotations", *(str(tmp_path / name) for name in files)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'empty.yaml'}: not an annotation source: expected a mapping with doc_id, status, annotators, ..., got an empty file" in err
    assert f"{tmp_path / 'list.yaml'}: not an annotation source: expected a mapping with doc_id, status, annotators, ..., got a YAML list" in err
    assert f"{tmp_path / 'nameless.yaml'}: no doc_id: the file must name the document it annotates" in err
    assert f"{tmp_path / 'unknown.yaml'}: doc_id 'dtn-ffffffffffff' names no raw page (" in err
    assert "no metadata record" not in err


def test_check_annotations_lists_every_problem_of_every_file(tmp_path, capsys):
    from conftest import REPO
    from detente.cli import main

    gold = (REPO / "annotated" / "source" / "annotations" / "dtn-0885a700d99d.yaml").read_text(encoding="utf-8")
    broken = gold.replace("quote: Qin Gang, occurrence: 1,", "quote: Qin Gong, occurrence: 1,", 1)
    broken = broken.replace("{role: actor, mention: m3}", "{role: actor, mention: m999}", 1)
    broken = broken.replace("quote: Wednesday, occurrence: 1,", "quote: Wednesday,", 1)
    (tmp_path / "dtn-0885a700d99d.yaml").write_text(broken, encoding="utf-8")
    good = REPO / "annotated" / "source" / "annotations" / "dtn-2544203ab46a.yaml"
    assert main(["check-annotations", str(tmp_path / "dtn-0885a700d99d.yaml"), str(good)]) == 1
    captured = capsys.readouterr()
    assert "quote 'Qin Gong' not found" in captured.err
    assert "points at 'm999'" in captured.err
    assert "quote 'Wednesday' is ambiguous" in captured.err
    # the fourth: an argument that pointed at the missing mention; the fifth: the quotation whose speaker it was
    assert "dtn-0885a700d99d.yaml: 5 problem(s)" in captured.out
    assert "quotation q2" in captured.err and "speaker 'm23' is not a mention of this document" in captured.err
    assert f"{good}: OK," in captured.out
    assert "1 of 2 file(s): have problems (listed above)" in captured.err


def test_an_untouched_draft_checks_clean(tmp_path, monkeypatch, capsys):
    from detente import paths
    from detente.cli import main
    from detente.growth.preannotate import preannotate
    from growth_helpers import repo_copy

    repo = repo_copy(tmp_path)
    monkeypatch.setattr(paths, "RAW_DIR", repo.raw)
    monkeypatch.setattr(paths, "SOURCE_DIR", repo.source)
    (repo.source / "annotations" / "dtn-692ce5b72fcc.yaml").unlink()  # as if the article had just been added
    target, _ = preannotate("dtn-692ce5b72fcc", repo.raw, repo.source, overwrite=False)
    assert "evt:draft-" in target.read_text(encoding="utf-8")
    assert main(["check-annotations", str(target)]) == 0
    assert f"{target}: OK," in capsys.readouterr().out


QUOTED = {
    "id": "q1", "quote": "the talks were candid", "kind": "indirect", "paraphrase": False, "speaker": "m7",
    "cue": {"quote": "said"}, "addressee": None, "source_type": None, "side": "us", "about_event": "v1",
}


def _with_quotations(*quotations: dict) -> dict:
    source = copy.deepcopy(SOURCE)
    source["mentions"].append({"id": "m7", "quote": "Blinken", "context": "Blinken said", "type": "PER", "level": "name", "entity": "ent:antony-blinken"})
    source["quotations"] = [copy.deepcopy(q) for q in quotations]
    return source


def test_quotations_compile_with_speaker_cue_and_event(registries):
    compiled = compile_document(_with_quotations(QUOTED), TEXT, registries, "a.yaml")
    start = TEXT.index("the talks were candid")
    assert compiled["quotations"] == [{
        "id": "q1", "start": start, "end": start + 21, "text": "the talks were candid", "kind": "indirect", "paraphrase": False,
        "speaker_id": "m7", "cue": {"start": start - 5, "end": start - 1, "text": "said"}, "addressee_id": None,
        "source_type": None, "side": "us", "about_event_id": "v1",
    }]
    assert "quotations" not in compile_document(SOURCE, TEXT, registries, "a.yaml")  # no block, no layer


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda q: q.update(speaker="m99"), InputError, r"a.yaml: quotation q1 \('the talks were candid'\): speaker 'm99' is not a mention of this document"),
        (lambda q: q.update(addressee="m42"), InputError, r"quotation q1 .*: addressee 'm42' is not a mention of this document"),
        (lambda q: q.update(about_event="v9"), InputError, r"quotation q1 .*: about_event 'v9' is not an event of this document"),
        (lambda q: q.update(quote="the talks were frank"), InputError, r"quotation q1 .*: quote 'the talks were frank' not found in the clean text"),
        (lambda q: q.update(cue={"quote": "stated"}), InputError, r"quotation q1 .* cue: quote 'stated' not found"),
        (lambda q: q.update(side="taiwan"), SchemaError, r"quotations/0/side: 'taiwan' is not one of"),
        (lambda q: q.update(source_type="tweet"), SchemaError, r"quotations/0/source_type"),
        (lambda q: q.update(speaker="Blinken"), SchemaError, r"quotations/0/speaker"),
        (lambda q: q.update(tone="warm"), SchemaError, r"quotations/0"),
    ],
)
def test_malformed_quotation_gives_a_located_error(registries, change, error, message):
    quotation = copy.deepcopy(QUOTED)
    change(quotation)
    with pytest.raises(error, match=message):
        compile_document(_with_quotations(quotation), TEXT, registries, "a.yaml")


def test_overlapping_and_duplicate_quotations_are_refused(registries):
    inner = dict(QUOTED, id="q2", quote="talks were candid", cue=None, speaker=None)
    with pytest.raises(InputError, match=r"a.yaml: quotations q1 and q2: overlap \(\[\d+,\d+\) and \[\d+,\d+\)\); quotations never overlap"):
        compile_document(_with_quotations(QUOTED, inner), TEXT, registries, "a.yaml")
    with pytest.raises(InputError, match=r"quotation q1 .*: duplicate quotation ID"):
        compile_document(_with_quotations(QUOTED, dict(QUOTED, quote="respect China")), TEXT, registries, "a.yaml")


def test_a_quotation_whose_offsets_do_not_reproduce_its_text_is_an_error(registries):
    compiled = compile_document(_with_quotations(QUOTED), TEXT, registries, "a.yaml")
    compiled["quotations"][0]["cue"]["end"] += 1
    with pytest.raises(OffsetError, match=r"a.yaml: q1 cue: offsets"):
        check_annotation_spans(compiled, TEXT, "a.yaml")


def test_check_annotations_refuses_a_reviewed_file_without_the_quotation_layer_as_the_build_does(tmp_path, capsys, monkeypatch):
    """In the corpus's annotations folder (what the build releases); an agreement pass elsewhere may lack the layer."""
    from conftest import REPO
    from detente import paths
    from detente.cli import main

    gold = (REPO / "annotated" / "source" / "annotations" / "dtn-692ce5b72fcc.yaml").read_text(encoding="utf-8")
    (tmp_path / "pass").mkdir()
    (tmp_path / "pass" / "dtn-692ce5b72fcc.yaml").write_text(gold[: gold.index("\nquotations:") + 1], encoding="utf-8")
    assert main(["check-annotations", str(tmp_path / "pass" / "dtn-692ce5b72fcc.yaml")]) == 0
    import shutil

    shutil.copytree(REPO / "annotated" / "source", tmp_path / "source")
    monkeypatch.setattr(paths, "SOURCE_DIR", tmp_path / "source")
    path = tmp_path / "source" / "annotations" / "dtn-692ce5b72fcc.yaml"
    path.write_text(gold[: gold.index("\nquotations:") + 1], encoding="utf-8")
    assert main(["check-annotations", str(path)]) == 1
    assert f"{path}: has no quotations: block, so its quotation layer was never annotated" in capsys.readouterr().err
    path.write_text(gold[: gold.index("\nquotations:") + 1].replace("status: reviewed", "status: draft", 1), encoding="utf-8")
    assert main(["check-annotations", str(path)]) == 0  # a draft may lack it
