"""Reading a release for the site: its documents, line labels and registries, and the raw pages, as plain data.

Everything the pages rely on is checked here (safe IDs, spans that quote the text, arguments that point at
mentions, readable dates, raw pages that match their provenance), so rendering never meets a surprise.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io import read_jsonl
from detente.offsets import check_span
from detente.pipeline.splits import SPLITS
from detente.rawtext import RawLine, decode, split_lines

DOC_ID = re.compile(r"^dtn-[0-9a-f]{12}$")  # also the page's file name, so it must be safe as one

ACE_ONLY = "(ACE only)"  # the type label of a personnel event with an ACE subtype and no PLOVER type
# (doc_id, mention or event ID, quoted text): one mention of a registry entity or event cluster
Mention = tuple[str, str, str]


def plover_label(event: dict[str, Any]) -> str:
    return event.get("plover") or ACE_ONLY


@dataclass(frozen=True)
class Article:
    split: str
    where: str  # file:line of the record, for error messages
    record: dict[str, Any]
    raw_lines: list[RawLine]
    line_labels: dict[int, dict[str, Any]]  # line number -> record of the `lines` config

    @property
    def doc_id(self) -> str:
        return str(self.record["id"])

    @property
    def title(self) -> str:
        return str(self.record.get("title") or self.record["id"])

    @property
    def date(self) -> str | None:
        return (self.record.get("publication_date") or {}).get("value")

    @property
    def page(self) -> str:
        return f"{self.doc_id}.html"

    @property
    def dated_events(self) -> list[dict[str, Any]]:
        return [e for e in self.record["events"] if e.get("date")]

    @property
    def quotations(self) -> list[dict[str, Any]]:
        """The quotation layer (releases from 0.7.0 on); [] for a release without the column."""
        return list(self.record.get("quotations") or [])


@dataclass(frozen=True)
class SiteData:
    version: str
    articles: list[Article]  # in reading order: publication date, then ID
    entities: dict[str, dict[str, Any]]  # registry records by ID
    clusters: dict[str, dict[str, Any]]
    # registry ID -> its mentions over all articles, in article order
    entity_mentions: dict[str, list[Mention]]
    cluster_mentions: dict[str, list[Mention]]
    # the documents carry the quotations column (0.7.0 on): only then do the pages show that layer, so the pages of
    # earlier releases stay as they were
    has_quotations: bool = False

    def article(self, doc_id: str) -> Article:
        return next(a for a in self.articles if a.doc_id == doc_id)

    def entity_name(self, entity_id: str) -> str:
        return str(self.entities.get(entity_id, {}).get("name", entity_id))

    def cluster_name(self, cluster_id: str) -> str:
        return str(self.clusters.get(cluster_id, {}).get("name", cluster_id))

    def cluster_article_count(self, cluster_id: str) -> int:
        return len({doc_id for doc_id, _, _ in self.cluster_mentions.get(cluster_id, [])})


# ---------------------------------------------------------------------------------------------- dates


def date_bounds(value: str, where: str) -> tuple[date, date]:
    """First and last day of an ISO date of year, month or day precision."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value or "")
    if not match:
        raise InputError(where, f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        year, month, day = int(match[1]), match[2], match[3]
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            m = int(month)
            return date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])
        d = date(year, int(month), int(day))
        return d, d
    except ValueError as err:
        raise InputError(where, f"date {value!r}: {err}") from None


def event_period(event_date: dict[str, Any], where: str) -> tuple[date, date]:
    """The days an event's normalised date covers: start's first day to the last day of end (or of start)."""
    first = date_bounds(event_date["start"], where)[0]
    last = date_bounds(event_date.get("end") or event_date["start"], where)[1]
    if last < first:
        raise InputError(where, f"date end {event_date.get('end')!r} is before start {event_date['start']!r}")
    return first, last


# ---------------------------------------------------------------------------------------------- reading


def _split_order(path: Path) -> tuple[int, str]:
    return (SPLITS.index(path.stem) if path.stem in SPLITS else len(SPLITS), path.stem)


def _check_document(doc: dict[str, Any], where: str) -> None:
    """What the pages rely on: safe IDs, spans that quote the text, arguments that point at mentions."""
    if not isinstance(doc.get("id"), str) or not DOC_ID.match(doc["id"]):
        raise InputError(where, f"document id {doc.get('id')!r} is not of the form dtn-<12 hex>")
    text = doc["text"]
    mention_ids: set[str] = set()
    for m in doc["entities"]:
        if m["id"] in mention_ids:
            raise InputError(f"{where} ({doc['id']}) mention {m['id']}", "duplicate mention ID")
        mention_ids.add(m["id"])
        check_span(text, m["start"], m["end"], m["text"], f"{where} ({doc['id']}) mention {m['id']}", error=InputError)
    event_ids: set[str] = set()
    for e in doc["events"]:
        here = f"{where} ({doc['id']}) event {e['id']}"
        if e["id"] in event_ids:
            raise InputError(here, "duplicate event ID")
        event_ids.add(e["id"])
        t = e["trigger"]
        check_span(text, t["start"], t["end"], t["text"], f"{here} trigger", error=InputError)
        for arg in e["arguments"]:
            if arg["mention_id"] not in mention_ids:
                raise InputError(here, f"argument {arg['role']} points at {arg['mention_id']!r}, which is not a mention of this document")
        if e.get("date"):
            event_period(e["date"], here)
    quotation_ids: set[str] = set()
    for q in doc.get("quotations") or []:
        here = f"{where} ({doc['id']}) quotation {q['id']}"
        if q["id"] in quotation_ids:
            raise InputError(here, "duplicate quotation ID")
        quotation_ids.add(q["id"])
        check_span(text, q["start"], q["end"], q["text"], here, error=InputError)
        if q.get("cue"):
            check_span(text, q["cue"]["start"], q["cue"]["end"], q["cue"]["text"], f"{here} cue", error=InputError)
        for field, known, what in (("speaker_id", mention_ids, "a mention"), ("addressee_id", mention_ids, "a mention"), ("about_event_id", event_ids, "an event")):
            if q.get(field) is not None and q[field] not in known:
                raise InputError(here, f"{field} {q[field]!r} is not {what} of this document")


def _raw_lines(doc: dict[str, Any], raw_dir: Path, where: str) -> list[RawLine]:
    provenance = doc["provenance"]
    path = raw_dir / Path(provenance["raw_path"]).name
    if not path.is_file():
        raise InputError(where, f"raw page {path} of {doc['id']} not found")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != provenance["raw_sha256"]:
        raise InputError(str(path), f"sha256 differs from the provenance of {doc['id']} in {where}")
    return split_lines(decode(data, str(path)))


def _read_version(release_dir: Path) -> str:
    manifest_path = release_dir / "MANIFEST.json"
    if not manifest_path.is_file():
        raise InputError(str(release_dir), "no MANIFEST.json: not a release folder")
    try:
        return str(json.loads(manifest_path.read_text(encoding="utf-8"))["version"])
    except (json.JSONDecodeError, KeyError) as err:
        raise InputError(str(manifest_path), f"no readable version ({err})") from None


def _read_articles(release_dir: Path, raw_dir: Path) -> list[Article]:
    """Every document with its raw lines and their labels, checked, in reading order."""
    labels: dict[tuple[str, int], dict[str, Any]] = {}
    for path in sorted((release_dir / "lines").glob("*.jsonl"), key=_split_order):
        for rec in read_jsonl(path):
            labels[(rec["doc_id"], rec["line"])] = rec

    articles: list[Article] = []
    doc_paths = sorted((release_dir / "documents").glob("*.jsonl"), key=_split_order)
    if not doc_paths:
        raise InputError(str(release_dir / "documents"), "no documents/*.jsonl")
    for path in doc_paths:
        for number, doc in enumerate(read_jsonl(path), start=1):
            where = f"{path}:{number}"
            if isinstance(doc, dict) and "entities" not in doc and "events" not in doc:  # a release from before the annotation
                raise InputError(str(release_dir), f"release {release_dir.name} has no gold annotation (its documents carry no entities and "
                                                   "events), and the site shows annotated releases: choose a later one with --release")
            try:
                _check_document(doc, where)
                raw_lines = _raw_lines(doc, raw_dir, where)
            except (KeyError, TypeError) as err:  # a record of another shape than the release schema's
                raise InputError(where, f"malformed document record ({type(err).__name__}: {err})") from None
            doc_labels: dict[int, dict[str, Any]] = {}
            for line in raw_lines:
                label = labels.get((doc["id"], line.number))
                if label is None:
                    raise InputError(f"{release_dir}/lines", f"{doc['id']} line {line.number} has no record")
                if label["text"] != line.text:
                    raise InputError(f"{release_dir}/lines", f"{doc['id']} line {line.number}: text differs from the raw page")
                doc_labels[line.number] = label
            articles.append(Article(path.stem, where, doc, raw_lines, doc_labels))
    seen: set[str] = set()
    for a in articles:
        if a.doc_id in seen:
            raise InputError(a.where, f"document {a.doc_id} appears twice in the release")
        seen.add(a.doc_id)
    articles.sort(key=lambda a: (a.date or "9999", a.doc_id))
    return articles


def _read_registry(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_jsonl(path)} if path.is_file() else {}


def load_site_data(release_dir: Path, raw_dir: Path) -> SiteData:
    version = _read_version(release_dir)
    articles = _read_articles(release_dir, raw_dir)
    entity_mentions: dict[str, list[Mention]] = defaultdict(list)
    cluster_mentions: dict[str, list[Mention]] = defaultdict(list)
    for a in articles:
        for m in a.record["entities"]:
            if m.get("entity_id"):
                entity_mentions[m["entity_id"]].append((a.doc_id, m["id"], m["text"]))
        for e in a.record["events"]:
            if e.get("cluster_id"):
                cluster_mentions[e["cluster_id"]].append((a.doc_id, e["id"], e["trigger"]["text"]))
    return SiteData(
        version,
        articles,
        _read_registry(release_dir / "registry" / "entities.jsonl"),
        _read_registry(release_dir / "registry" / "events.jsonl"),
        dict(entity_mentions),
        dict(cluster_mentions),
        any("quotations" in a.record for a in articles),
    )
