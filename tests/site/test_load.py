"""Reading a release for the site: the data it yields, the dates it understands, and the input it refuses."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from detente.errors import InputError
from detente.site.load import (
    ACE_ONLY,
    date_bounds,
    event_period,
    load_site_data,
    plover_label,
)
from fake_release import SCRIPT, write_fake_release


def test_the_fake_release_as_data(tmp_path: Path) -> None:
    release, raw, (doc_a, doc_b) = write_fake_release(tmp_path)
    data = load_site_data(release, raw)
    assert data.version == "9.9.9"
    assert [a.doc_id for a in data.articles] == [doc_a["id"], doc_b["id"]]  # by publication date
    first = data.articles[0]
    assert (first.split, first.date, first.page, first.title) == ("train", "2023-06-06", f"{doc_a['id']}.html", doc_a["title"])
    assert [line.number for line in first.raw_lines] == sorted(first.line_labels) == list(range(1, 8))
    assert [e["id"] for e in first.dated_events] == ["v1", "v2"]
    # Every linked mention over all articles, in article order.
    assert data.entity_mentions["ent:paris"] == [(doc_a["id"], "m3", "Paris"), (doc_b["id"], "m1", "Paris"), (doc_b["id"], "m3", "Paris")]
    assert data.cluster_mentions["evt:paris-talks-followup"] == [(doc_a["id"], "v2", "meet"), (doc_b["id"], "v1", "talks"), (doc_b["id"], "v2", "met")]
    assert data.cluster_article_count("evt:paris-talks-followup") == 2 and data.cluster_article_count("evt:unknown") == 0
    assert data.entity_name("ent:evil-org") == f"Evil {SCRIPT} Org"
    assert data.entity_name("ent:not-in-registry") == "ent:not-in-registry"
    assert data.article(doc_b["id"]).title == "Paris talks continue"


@pytest.mark.parametrize(("value", "bounds"), [
    ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2023-06-05", (date(2023, 6, 5), date(2023, 6, 5))),
])
def test_date_bounds(value: str, bounds: tuple[date, date]) -> None:
    assert date_bounds(value, "here") == bounds


@pytest.mark.parametrize(("value", "message"), [("June 2023", "is not YYYY, YYYY-MM or YYYY-MM-DD"), ("2023-02-30", "day is out of range"), ("", "is not")])
def test_unreadable_dates_are_named(value: str, message: str) -> None:
    with pytest.raises(InputError, match=f"here: date {value!r}.*{message}"):
        date_bounds(value, "here")


def test_event_period_runs_from_the_start_to_the_end_of_the_last_date() -> None:
    assert event_period({"start": "2023-06-05", "end": "2023-07"}, "here") == (date(2023, 6, 5), date(2023, 7, 31))
    assert event_period({"start": "2023-06", "end": None}, "here") == (date(2023, 6, 1), date(2023, 6, 30))
    with pytest.raises(InputError, match="here: date end '2023-05' is before start '2023-06-05'"):
        event_period({"start": "2023-06-05", "end": "2023-05"}, "here")


def test_plover_label() -> None:
    assert plover_label({"plover": "CONSULT"}) == "CONSULT"
    assert plover_label({"plover": None, "ace": "Personnel:Elect"}) == plover_label({}) == ACE_ONLY


def test_refused_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no MANIFEST.json: not a release folder"):
        load_site_data(tmp_path, tmp_path)
    release, raw, docs = write_fake_release(tmp_path / "fake")
    lines_path = release / "lines" / "train.jsonl"
    lines = [json.loads(line) for line in lines_path.read_text(encoding="utf-8").splitlines()]
    lines[0]["text"] = "changed"
    lines_path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    with pytest.raises(InputError, match=f"{docs[0]['id']} line 1: text differs from the raw page"):
        load_site_data(release, raw)
    (raw / f"{docs[0]['id']}.txt").unlink()
    with pytest.raises(InputError, match=f"raw page .* of {docs[0]['id']} not found"):
        load_site_data(release, raw)
