"""`detente changes`: every annotation difference between two releases, on hand-built documents and on the real releases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.cli import main
from detente.errors import InputError
from detente.publish.changes import document_changes, format_changes, release_changes, release_documents

REPO = Path(__file__).resolve().parents[2]
TEXT = "Blinken met Qin in Beijing on Wednesday."


def _doc(entities, events, text=TEXT):
    return {"id": "dtn-000000000001", "text": text, "entities": entities, "events": events}


def _m(i, start, end, type_="PER", level="name", entity="ent:x"):
    return {"id": i, "start": start, "end": end, "text": TEXT[start:end], "type": type_, "level": level, "entity_id": entity}


def _meeting(args, realis="actual", date=None, ace="Contact:Meet"):
    return {"id": "v1", "trigger": {"start": 8, "end": 11, "text": "met"}, "plover": "CONSULT", "mode": "visit", "ace": ace, "realis": realis,
            "arguments": [{"role": r, "mention_id": m} for r, m in args], "date": date, "cluster_id": "evt:x"}


OLD = _doc([_m("m1", 0, 7), _m("m2", 12, 15), _m("m3", 19, 26, "GPE")], [_meeting([("actor", "m1"), ("recipient", "m2")])])


def test_identical_documents_have_no_changes():
    changes = document_changes(OLD, OLD)
    assert changes.lines == [] and not changes.counts
    assert format_changes([changes], []) == "Total: no annotation changed\n"


def test_each_kind_of_change_is_listed_and_counted():
    date = {"start": "2023-06-14", "end": None, "granularity": "day", "anchor": "publication_date", "expression": "on Wednesday"}
    new = _doc(
        [_m("m1", 0, 7), _m("m2", 12, 15, entity="ent:qin-gang"), _m("m4", 30, 39, "DATE", entity=None)],
        [_meeting([("actor", "m1"), ("actor", "m2"), ("time", "m4")], date=date, ace="Movement:Transport")],
    )
    changes = document_changes(OLD, new)
    assert dict(changes.counts) == {
        "mentions removed": 1, "mentions added": 1, "mentions changed": 1,
        "events changed": 1, "dates changed": 1,
        "arguments removed": 1, "arguments added": 2,
    }
    assert "- removed mention 'Beijing' [19,26) GPE name ent:x" in changes.lines
    assert "- mention 'Qin' [12,15) PER name ent:qin-gang: entity_id ent:x → ent:qin-gang" in changes.lines
    assert "- event 'met' [8,11) CONSULT/visit Movement:Transport actual: ace Contact:Meet → Movement:Transport" in changes.lines
    assert "- event 'met' [8,11) CONSULT/visit Movement:Transport actual: date none → 2023-06-14 (day, publication_date, 'on Wednesday')" in changes.lines
    assert "- removed argument 'met' [8] recipient = 'Qin' [12,15)" in changes.lines
    assert "- added argument 'met' [8] actor = 'Qin' [12,15)" in changes.lines


def test_a_changed_event_type_is_a_removal_and_an_addition():
    retyped = dict(OLD["events"][0], plover="AGREE", mode=None)
    changes = document_changes(OLD, _doc(OLD["entities"], [retyped]))
    assert changes.counts["events removed"] == 1 and changes.counts["events added"] == 1


def test_documents_whose_text_differs_cannot_be_compared():
    with pytest.raises(InputError, match="dtn-000000000001: the clean text differs"):
        document_changes(OLD, _doc(OLD["entities"], OLD["events"], text=TEXT + " More."))


def test_added_and_removed_documents_are_named():
    other = dict(OLD, id="dtn-000000000002")
    docs, whole = release_changes({"dtn-000000000001": OLD}, {"dtn-000000000002": other})
    assert docs == [] and whole == ["document added: dtn-000000000002 (3 mentions, 1 events)", "document removed: dtn-000000000001 (3 mentions, 1 events)"]
    quoted = dict(other, quotations=[{"id": "q1"}])
    assert release_changes({}, {"dtn-000000000002": quoted})[1] == ["document added: dtn-000000000002 (3 mentions, 1 events, 1 quotations)"]


def test_a_folder_that_is_not_a_release_is_a_clear_error(tmp_path, capsys):
    assert main(["changes", str(tmp_path / "a") + "/", str(tmp_path)]) == 1
    assert "no such release folder" in capsys.readouterr().err
    with pytest.raises(InputError, match="not a release folder"):
        release_documents(tmp_path)


def test_a_release_from_before_the_annotation_is_named_not_a_traceback(capsys):
    assert main(["changes", "0.1.0", "0.9.0"]) == 1
    assert capsys.readouterr().err == (f"detente changes: error: {REPO / 'annotated' / '0.1.0'}: release 0.1.0 has no gold annotation "
                                       "(its documents carry no entities and events): compare two annotated releases\n")


def test_the_0_6_0_changelog_lists_exactly_what_the_command_prints(capsys):
    assert main(["changes", "0.5.0", "0.6.0"]) == 0
    printed = capsys.readouterr().out.splitlines()
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split("## 0.6.0", 1)[1].split("\n## ", 1)[0]
    assert printed[-1].removeprefix("Total: ") in section
    listed = [line for line in printed if line.startswith(("- ", "### "))]
    assert len(listed) > 100 and all(line in section.splitlines() for line in listed)
    # the release the list describes is the one in the repository
    assert json.loads((REPO / "annotated" / "0.6.0" / "MANIFEST.json").read_text())["version"] == "0.6.0"


def test_quotations_added_removed_and_changed_are_listed():
    quotation = {"id": "q1", "start": 12, "end": 15, "text": "Qin", "kind": "direct", "paraphrase": False, "speaker_id": "m1", "cue": None,
                 "addressee_id": None, "source_type": None, "side": "us", "about_event_id": None}
    old = dict(OLD, quotations=[quotation])
    new = dict(OLD, quotations=[dict(quotation, side="china"), dict(quotation, id="q2", start=19, end=26, text="Beijing")])
    changes = document_changes(old, new)
    assert dict(changes.counts) == {"quotations added": 1, "quotations changed": 1}
    assert "- quotation 'Qin' [12,15) direct china: side us → china" in changes.lines
    assert document_changes(OLD, old).counts == {"quotations added": 1}  # a release before 0.7.0 has no layer
