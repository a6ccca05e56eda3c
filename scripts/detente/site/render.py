"""Stage 6, site: a static HTML browser of a release (one page per article, an index with an event timeline, an entity index).

The pages are self-contained (inline CSS, a few lines of inline JS, no network resources), work from file://
or any web server, and are byte-identical for the same release. Every piece of text from the data goes
through html.escape: article text is data, never markup.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

from detente.pipeline.corpus import RawLine, decode, split_lines
from detente.errors import InputError
from detente.paths import ANNOTATED_DIR, RAW_DIR, REPO_ROOT
from detente.pipeline.splits import SPLITS
from detente.io import read_jsonl, write_tree
from detente.version import DATASET_VERSION

DEFAULT_OUT_DIR = REPO_ROOT / "site"
# A folder holding this file was written by build_site and may be replaced by it; any other non-empty folder is refused.
MARKER = ".detente-site"
DOC_ID = re.compile(r"^dtn-[0-9a-f]{12}$")  # also the page's file name, so it must be safe as one

ENTITY_COLOURS = {
    "PER": "#ffd8a8", "ORG": "#c3e6cb", "GPE": "#bcdcff", "LOC": "#b2e0dc", "FAC": "#dccdc6",
    "NORP": "#e5c7f0", "EVENT": "#ffc9c9", "DATE": "#eef2b8", "TIME": "#fff3a8", "TITLE": "#d5dde2",
}
PLOVER_COLOURS = {
    "AGREE": "#1b9e77", "CONSULT": "#1f77b4", "SUPPORT": "#17a2b8", "CONCEDE": "#8c564b",
    "COOPERATE": "#2ca02c", "AID": "#66a61e", "RETREAT": "#a9a91f", "REQUEST": "#ff7f0e",
    "ACCUSE": "#d62728", "REJECT": "#9467bd", "THREATEN": "#e7298a", "PROTEST": "#a6761d",
    "SANCTION": "#7570b3", "MOBILIZE": "#d4a000", "COERCE": "#b15928", "ASSAULT": "#7a0019",
}
ACE_ONLY = "(ACE only)"  # personnel events with an ACE subtype and no PLOVER type
ACE_ONLY_COLOUR = "#777777"
CLASS_COLOURS = {"content": "#2b6a2b", "metadata": "#1f5fa8", "boilerplate": "#b02a2a"}
# Raw-page category chips: greens for content, blues for metadata, warm hues for boilerplate, grey for blank lines.
CATEGORY_COLOURS = {
    "title": "#1e7b34", "standfirst": "#2f8f4a", "subhead": "#3f9c5a", "body": "#2b6a2b",
    "byline": "#1f5fa8", "dateline": "#2a6fbf", "publisher": "#3a56a8", "credit": "#4b6fd0", "copyright": "#2a4f8a",
    "advertisement": "#b02a2a", "navigation": "#a0522d", "share": "#c2185b", "promo": "#d84315",
    "related_link": "#8e24aa", "caption": "#6d4c41", "video_widget": "#ad1457", "counter": "#795548",
    "author_bio": "#5d4037", "footer": "#7b1fa2", "whitespace": "#9aa0a6",
}

# Timeline geometry (pixels). A month holding a day-precise date (an event's or a publication date) gets
# PX_PER_DAY per day; a month holding only month-precise dates a narrow column; runs of months holding
# neither collapse into a gap. So five years fit on a page and June 2023 stays readable.
PX_PER_DAY = 5.0
COMPACT_MONTH_WIDTH = 40.0
GAP_WIDTH = 22.0
LANE_LABEL_WIDTH = 190.0
AXIS_HEIGHT = 34.0
MARK_HEIGHT = 10.0
ROW_STEP = 13.0
LANE_PAD = 8.0
MIN_MARK_WIDTH = 5.0


def _fallback_colour(name: str) -> str:
    """A stable colour for a label the palettes do not know (a future schema value)."""
    return f"hsl({int(hashlib.sha256(name.encode('utf-8')).hexdigest()[:4], 16) % 360} 55% 42%)"


def entity_colour(entity_type: str) -> str:
    return ENTITY_COLOURS.get(entity_type, _fallback_colour(entity_type))


def event_colour(plover: str | None) -> str:
    if plover is None:
        return ACE_ONLY_COLOUR
    return PLOVER_COLOURS.get(plover, _fallback_colour(plover))


def css_token(value: str) -> str:
    """A label as a CSS class fragment (labels are closed sets, but the page must not break on odd input)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def anchor_for(registry_id: str) -> str:
    """HTML id of an entity (ent:x -> e-x) or event cluster (evt:x -> c-x) in the cross-document lists."""
    prefix, _, rest = registry_id.partition(":")
    return ("e-" if prefix == "ent" else "c-" if prefix == "evt" else "r-") + css_token(rest or prefix)


# ---------------------------------------------------------------------------------------------- loading


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


@dataclass(frozen=True)
class SiteData:
    version: str
    articles: list[Article]  # in reading order: publication date, then ID
    entities: dict[str, dict[str, Any]]  # registry records by ID
    clusters: dict[str, dict[str, Any]]
    # registry ID -> [(doc_id, mention/event ID, quoted text)] over all articles, in article order
    entity_mentions: dict[str, list[tuple[str, str, str]]]
    cluster_mentions: dict[str, list[tuple[str, str, str]]]

    def article(self, doc_id: str) -> Article:
        return next(a for a in self.articles if a.doc_id == doc_id)


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
        if not (0 <= m["start"] < m["end"] <= len(text)) or text[m["start"] : m["end"]] != m["text"]:
            raise InputError(f"{where} ({doc['id']}) mention {m['id']}", f"span {m['start']}-{m['end']} does not quote {m['text']!r}")
    event_ids: set[str] = set()
    for e in doc["events"]:
        here = f"{where} ({doc['id']}) event {e['id']}"
        if e["id"] in event_ids:
            raise InputError(here, "duplicate event ID")
        event_ids.add(e["id"])
        t = e["trigger"]
        if not (0 <= t["start"] < t["end"] <= len(text)) or text[t["start"] : t["end"]] != t["text"]:
            raise InputError(here, f"trigger span {t['start']}-{t['end']} does not quote {t['text']!r}")
        for arg in e["arguments"]:
            if arg["mention_id"] not in mention_ids:
                raise InputError(here, f"argument {arg['role']} points at {arg['mention_id']!r}, which is not a mention of this document")
        if e.get("date"):
            event_period(e["date"], here)


def _raw_lines(doc: dict[str, Any], raw_dir: Path, where: str) -> list[RawLine]:
    provenance = doc["provenance"]
    path = raw_dir / Path(provenance["raw_path"]).name
    if not path.is_file():
        raise InputError(where, f"raw page {path} of {doc['id']} not found")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != provenance["raw_sha256"]:
        raise InputError(str(path), f"sha256 differs from the provenance of {doc['id']} in {where}")
    return split_lines(decode(data, str(path)))


def load_site_data(release_dir: Path, raw_dir: Path) -> SiteData:
    manifest_path = release_dir / "MANIFEST.json"
    if not manifest_path.is_file():
        raise InputError(str(release_dir), "no MANIFEST.json: not a release folder")
    try:
        version = str(json.loads(manifest_path.read_text(encoding="utf-8"))["version"])
    except (json.JSONDecodeError, KeyError) as err:
        raise InputError(str(manifest_path), f"no readable version ({err})") from None

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

    def registry(name: str) -> dict[str, dict[str, Any]]:
        path = release_dir / "registry" / name
        return {r["id"]: r for r in read_jsonl(path)} if path.is_file() else {}

    entity_mentions: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    cluster_mentions: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for a in articles:
        for m in a.record["entities"]:
            if m.get("entity_id"):
                entity_mentions[m["entity_id"]].append((a.doc_id, m["id"], m["text"]))
        for e in a.record["events"]:
            if e.get("cluster_id"):
                cluster_mentions[e["cluster_id"]].append((a.doc_id, e["id"], e["trigger"]["text"]))
    return SiteData(version, articles, registry("entities.jsonl"), registry("events.jsonl"), dict(entity_mentions), dict(cluster_mentions))


# ---------------------------------------------------------------------------------------------- dates


def _bounds(value: str, where: str) -> tuple[date, date]:
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
    first = _bounds(event_date["start"], where)[0]
    last = _bounds(event_date.get("end") or event_date["start"], where)[1]
    if last < first:
        raise InputError(where, f"date end {event_date.get('end')!r} is before start {event_date['start']!r}")
    return first, last


def format_event_date(event_date: dict[str, Any]) -> str:
    span = event_date["start"] + (f" – {event_date['end']}" if event_date.get("end") else "")
    expression = f"; “{event_date['expression']}”" if event_date.get("expression") else ""
    return f"{span} ({event_date.get('granularity')}, anchor: {event_date.get('anchor')}{expression})"


# ---------------------------------------------------------------------------------------------- page frame

CSS = """
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#dadce0;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:64rem;margin:0 auto;padding:1rem 1.5rem 3rem;background:#fff;min-height:100vh}
main.wide{max-width:82rem}
h1{font-size:1.55rem;line-height:1.3;margin:.4rem 0 .6rem}
h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
a{color:#1a56b0}
nav.top{font-size:.9rem;display:flex;gap:1rem;flex-wrap:wrap}
.muted,small{color:var(--muted)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.92rem;margin:.5rem 0 1rem}
dl.meta dt{color:var(--muted)} dl.meta dd{margin:0}
details>summary{cursor:pointer}
details.ev{display:inline} details.ev>summary{display:inline;white-space:nowrap;color:var(--muted);font-size:.85em;border-bottom:1px dotted var(--muted)}
details.ev>summary::before{content:"("} details.ev>summary::after{content:" ▸)"} details.ev[open]>summary::after{content:" ▾)"}
details.ev[open]>small{display:block;max-width:40rem}
.legend{display:flex;flex-wrap:wrap;gap:.35rem .9rem;align-items:center;font-size:.85rem;margin:.4rem 0}
.sw{display:inline-block;width:.95rem;height:.95rem;border-radius:3px;vertical-align:-.15rem;margin-right:.3rem;border:1px solid rgba(0,0,0,.15)}
.toolbar{margin:1rem 0;display:flex;gap:1rem;align-items:center}
button{font:inherit;font-size:.9rem;padding:.3rem .8rem;border:1px solid #8a8f98;border-radius:4px;background:#fff;cursor:pointer}
button:hover{background:#eef2f8} button:focus-visible{outline:2px solid #1a56b0;outline-offset:2px}
#clean p{margin:0 0 .9rem}
#clean p:first-child{font-weight:600}
.m{color:inherit;text-decoration:none;border-radius:3px;padding:0 .12em;background:var(--ec)}
a.m:hover,a.m:focus{text-decoration:underline;outline:1px solid rgba(0,0,0,.45)}
.m.l-nominal{box-shadow:inset 0 -2px 0 rgba(0,0,0,.35)}
.m.l-pronoun{box-shadow:inset 0 -2px 0 rgba(0,0,0,.35);font-style:italic}
.m:target,.trig:target{outline:3px solid #f4b400;outline-offset:1px}
.trig{position:relative;border-bottom:3px solid var(--pc);font-weight:600;cursor:help;scroll-margin-top:6rem}
.m{scroll-margin-top:6rem}
.trig:focus{outline:2px solid var(--pc);outline-offset:2px}
.trig .pop{display:none;position:absolute;left:0;top:100%;margin-top:5px;z-index:20;width:max-content;max-width:23rem;
 background:#fff;color:var(--fg);border:1px solid #b9bec7;border-left:5px solid var(--pc);border-radius:4px;
 box-shadow:0 6px 18px rgba(0,0,0,.18);padding:.45rem .65rem;font-weight:400;font-style:normal;font-size:.84rem;line-height:1.45;white-space:normal}
.trig .pop.flip{left:auto;right:0}
.trig:hover>.pop,.trig:focus>.pop,.trig:focus-within>.pop,.trig:target>.pop{display:block}
.pop>span{display:block}
.pop .pop-h{font-weight:700;color:var(--pc)}
.pop .pop-a{padding-left:.8rem}
.pop .k{color:var(--muted)}
#raw .rl{display:grid;grid-template-columns:2.6rem 8.5rem 1fr;gap:.6rem;padding:.1rem .3rem;border-bottom:1px solid #f0f1f3;font-size:.9rem}
#raw .ln{color:var(--muted);text-align:right;font-variant-numeric:tabular-nums}
#raw .cat{font-size:.75rem;font-weight:600;color:#fff;background:var(--cc);border-radius:3px;padding:0 .35rem;align-self:start;text-align:center}
#raw .k-content .cat{background:#fff;color:var(--cc);border:1px solid var(--cc)}
#raw .k-boilerplate .tx{text-decoration:line-through;text-decoration-color:#b02a2a;text-decoration-thickness:2px;color:#7a7f87}
#raw .k-metadata .tx{text-decoration:line-through;text-decoration-style:double;text-decoration-color:#1f5fa8;color:#3d5f87}
#raw .c-whitespace .tx::before{content:"(blank line)";color:#b0b4ba;font-style:italic}
#raw .corr{font-size:.7rem;color:#9a6700;margin-left:.4rem}
ul.xref{list-style:none;padding:0;font-size:.9rem}
ul.xref>li{padding:.3rem 0;border-bottom:1px solid #f0f1f3}
ul.xref a.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem}
ul.xref li:target{background:#fff6d5}
table.docs{border-collapse:collapse;width:100%;font-size:.9rem}
table.docs th,table.docs td{border-bottom:1px solid var(--line);padding:.35rem .4rem;text-align:left;vertical-align:top}
table.docs td.n,table.docs th.n{text-align:right;font-variant-numeric:tabular-nums}
.tl-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:4px;background:#fff}
.tl-wrap svg{display:block;font-family:inherit}
.tl-mark:focus rect{stroke:#000;stroke-width:2}
.tl-mark:hover rect{stroke:#000;stroke-width:1.5}
footer{margin-top:3rem;font-size:.8rem;color:var(--muted)}
"""

ARTICLE_JS = """
(function () {
  var button = document.getElementById('raw-toggle');
  var raw = document.getElementById('raw');
  var clean = document.getElementById('clean');
  function showRaw(show) {
    raw.hidden = !show;
    clean.hidden = show;
    button.setAttribute('aria-pressed', show ? 'true' : 'false');
    button.textContent = show ? 'Show clean text' : 'Show raw page';
  }
  button.addEventListener('click', function () { showRaw(raw.hidden); });
  // A link to a mention or trigger (#m12, #v3) must land on visible text.
  window.addEventListener('hashchange', function () {
    var target = document.getElementById(location.hash.slice(1));
    if (target && clean.contains(target) && clean.hidden) { showRaw(false); target.scrollIntoView(); }
  });
  // Keep a popover inside the window: open it to the left when it would overflow on the right.
  function place(trigger) {
    var pop = trigger.querySelector('.pop');
    if (!pop) { return; }
    pop.classList.remove('flip');
    if (pop.getBoundingClientRect().right > document.documentElement.clientWidth - 8) { pop.classList.add('flip'); }
  }
  var triggers = document.querySelectorAll('.trig');
  for (var i = 0; i < triggers.length; i++) {
    triggers[i].addEventListener('mouseenter', function () { place(this); });
    triggers[i].addEventListener('focusin', function () { place(this); });
  }
  document.addEventListener('keydown', function (event) {
    var active = document.activeElement;
    if (event.key === 'Escape' && active && active.classList && active.classList.contains('trig')) { active.blur(); }
  });
})();
"""


def page(title: str, body: str, script: str = "", wide: bool = False) -> str:
    """A complete HTML document: everything inline, nothing fetched."""
    main_tag = '<main class="wide">' if wide else "<main>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="detente site">\n'
        # An empty icon: otherwise browsers request /favicon.ico, the one thing a static folder does not have.
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n"
        # With JavaScript off the toggle cannot work, so show the raw page below the text.
        "<noscript><style>#raw[hidden]{display:block}</style></noscript>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{main_tag}\n{body}\n</main>\n"
        + (f"<script>{script}</script>\n" if script else "")
        + "</body>\n</html>\n"
    )


def _method(field: dict[str, Any] | None) -> str:
    """A provenance field (value/method/evidence) as text with its evidence in a disclosure."""
    field = field or {}
    value = escape(str(field.get("value") or "unknown"))
    method = escape(str(field.get("method") or "unknown"))
    evidence = field.get("evidence")
    if evidence:
        return f'{value} <details class="ev"><summary title="how it was obtained: show the evidence">{method}</summary><small>{escape(str(evidence))}</small></details>'
    return f'{value} <small class="muted">({method})</small>'


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------- article page


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    rank: int  # at equal spans the mention (0) encloses the trigger (1)
    open_html: str
    close_html: str
    ident: str


def _text_html(text: str, depth: int) -> str:
    """Escaped text; a newline ends a paragraph, or is a line break inside a highlighted span."""
    return escape(text).replace("\n", "<br>" if depth else "</p>\n<p>")


def render_spans(text: str, spans: list[_Span], where: str) -> str:
    """The text as paragraphs with the spans as (properly nested) elements; crossing spans are an error."""
    out: list[str] = ["<p>"]
    stack: list[_Span] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.rank)):
        while stack and stack[-1].end <= span.start:
            top = stack.pop()
            out.append(_text_html(text[pos : top.end], len(stack) + 1) + top.close_html)
            pos = top.end
        if stack and span.end > stack[-1].end:
            raise InputError(where, f"{stack[-1].ident} and {span.ident} cross (neither contains the other); cannot nest them")
        out.append(_text_html(text[pos : span.start], len(stack)) + span.open_html)
        pos = span.start
        stack.append(span)
    while stack:
        top = stack.pop()
        out.append(_text_html(text[pos : top.end], len(stack) + 1) + top.close_html)
        pos = top.end
    out.append(_text_html(text[pos:], 0) + "</p>")
    return "".join(out)


def _mention_span(m: dict[str, Any], data: SiteData) -> _Span:
    attrs = (
        f'class="m t-{css_token(m["type"])} l-{css_token(str(m.get("level")))}" id="{escape(m["id"])}" '
        f'data-type="{escape(m["type"])}" data-level="{escape(str(m.get("level")))}" style="--ec:{entity_colour(m["type"])}"'
    )
    entity_id = m.get("entity_id")
    if entity_id:
        name = data.entities.get(entity_id, {}).get("name", entity_id)
        title = f"{m['type']} · {name} ({entity_id}): mentions in all articles below"
        open_html = f'<a {attrs} data-entity="{escape(entity_id)}" href="#{anchor_for(entity_id)}" title="{escape(title)}">'
        return _Span(m["start"], m["end"], 0, open_html, "</a>", f"mention {m['id']}")
    return _Span(m["start"], m["end"], 0, f'<mark {attrs} title="{escape(m["type"])}">', "</mark>", f"mention {m['id']}")


def popover_html(event: dict[str, Any], mentions: dict[str, dict[str, Any]], data: SiteData) -> str:
    """What a trigger shows on hover or focus: types, realis, date, arguments, cluster."""
    rows: list[str] = []
    if event.get("plover"):
        head = escape(event["plover"]) + (f" · {escape(event['mode'])}" if event.get("mode") else "")
    else:
        head = escape(ACE_ONLY)
    rows.append(f'<span class="pop-h">{head}</span>')
    rows.append(f'<span><span class="k">ACE:</span> {escape(event.get("ace") or "—")}</span>')
    rows.append(f'<span><span class="k">realis:</span> {escape(str(event.get("realis")))}</span>')
    event_date = event.get("date")
    rows.append(f'<span class="pop-d"><span class="k">date:</span> {escape(format_event_date(event_date)) if event_date else "not normalised"}</span>')
    if event["arguments"]:
        rows.append('<span class="k">arguments:</span>')
        for arg in event["arguments"]:
            target = mentions[arg["mention_id"]]
            rows.append(
                f'<span class="pop-a" data-role="{escape(arg["role"])}">{escape(arg["role"])}: '
                f'<a class="arg" href="#{escape(target["id"])}">{escape(target["text"])}</a></span>'
            )
    else:
        rows.append('<span><span class="k">arguments:</span> none</span>')
    cluster_id = event.get("cluster_id")
    if cluster_id:
        name = data.clusters.get(cluster_id, {}).get("name", cluster_id)
        others = {doc for doc, _, _ in data.cluster_mentions.get(cluster_id, [])}
        reach = f" (reported by {len(others)} articles)" if len(others) > 1 else ""
        rows.append(f'<span><span class="k">cluster:</span> <a href="#{anchor_for(cluster_id)}">{escape(name)}</a>{escape(reach)}</span>')
    return f'<span class="pop" role="tooltip" id="pop-{escape(event["id"])}">{"".join(rows)}</span>'


def _event_span(e: dict[str, Any], mentions: dict[str, dict[str, Any]], data: SiteData) -> _Span:
    attrs = [
        'class="trig"', f'id="{escape(e["id"])}"', 'tabindex="0"',
        f'data-plover="{escape(e.get("plover") or ACE_ONLY)}"',
        f'data-ace="{escape(e.get("ace") or "")}"', f'data-realis="{escape(str(e.get("realis")))}"',
        f'data-date="{escape(e["date"]["start"]) if e.get("date") else ""}"',
        f'data-cluster="{escape(e.get("cluster_id") or "")}"',
        f'aria-describedby="pop-{escape(e["id"])}"', f'style="--pc:{event_colour(e.get("plover"))}"',
    ]
    return _Span(e["trigger"]["start"], e["trigger"]["end"], 1, f"<span {' '.join(attrs)}>", popover_html(e, mentions, data) + "</span>", f"event {e['id']}")


def _legend(article: Article) -> str:
    types_here = sorted({m["type"] for m in article.record["entities"]})
    items = [f'<span><span class="sw" style="background:{entity_colour(t)}"></span>{escape(t)}</span>' for t in types_here]
    items.append('<span class="muted">underlined: nominal; italic: pronoun</span>')
    plovers = sorted({e.get("plover") or ACE_ONLY for e in article.record["events"]})
    events = [
        f'<span><span class="sw" style="background:{event_colour(None if p == ACE_ONLY else p)}"></span>{escape(p)}</span>' for p in plovers
    ]
    return (
        f'<div class="legend" id="legend-entities"><strong>Entities:</strong> {" ".join(items)}</div>\n'
        f'<div class="legend" id="legend-events"><strong>Event triggers</strong> (bold, underlined; hover or Tab to one for details): {" ".join(events)}</div>'
    )


def _raw_html(article: Article) -> str:
    category_names = sorted({rec["category"] for rec in article.line_labels.values()})
    rows: list[str] = []
    for line in article.raw_lines:
        rec = article.line_labels[line.number]
        cls, cat = str(rec["class"]), str(rec["category"])
        corrected = '<span class="corr">corrected</span>' if rec.get("label_source") == "corrected" else ""
        title = f"{cls} / {cat} ({rec.get('label_source')}; rule {rec.get('rule')})"
        rows.append(
            f'<div class="rl k-{css_token(cls)} c-{css_token(cat)}" id="L{line.number}" data-line="{line.number}" '
            f'data-class="{escape(cls)}" data-category="{escape(cat)}" style="--cc:{_category_colour(cls, cat)}" title="{escape(title)}">'
            f'<span class="ln">{line.number}</span><span class="cat">{escape(cat)}{corrected}</span><span class="tx">{escape(line.text)}</span></div>'
        )
    counts = {c: sum(1 for r in article.line_labels.values() if r["class"] == c) for c in CLASS_COLOURS}
    summary = ", ".join(f"{n} {c}" for c, n in counts.items())
    return (
        '<section id="raw" hidden aria-label="Raw page">\n'
        f'<p class="muted">The page as it arrived, one row per raw line ({len(article.raw_lines)} lines: {escape(summary)}). '
        "Metadata lines are struck through twice (blue), boilerplate once (red); the chip names each line's category. "
        f'Categories here: {escape(", ".join(category_names))}.</p>\n'
        + "\n".join(rows)
        + "\n</section>"
    )


def _category_colour(line_class: str, category: str) -> str:
    return CATEGORY_COLOURS.get(category) or CLASS_COLOURS.get(line_class) or _fallback_colour(category)


def _xref_links(entries: list[tuple[str, str, str]], here: str, data: SiteData) -> tuple[str, str]:
    """Links to a registry item's mentions in this article and, grouped by article, in the others."""
    local = [f'<a class="id" href="#{escape(i)}" title="{escape(t)}">{escape(i)}</a>' for d, i, t in entries if d == here]
    by_doc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, ident, text in entries:
        if doc_id != here:
            by_doc[doc_id].append((ident, text))
    elsewhere = []
    for doc_id in [a.doc_id for a in data.articles if a.doc_id in by_doc]:
        other = data.article(doc_id)
        links = " ".join(f'<a class="id" href="{other.page}#{escape(i)}" title="{escape(t)}">{escape(i)}</a>' for i, t in by_doc[doc_id])
        elsewhere.append(f'<span class="else" data-doc="{doc_id}"><a href="{other.page}">{escape(_short(other.title, 60))}</a>: {links}</span>')
    return " ".join(local), "; ".join(elsewhere)


def _xref_section(article: Article, data: SiteData) -> str:
    entity_ids = sorted({m["entity_id"] for m in article.record["entities"] if m.get("entity_id")},
                        key=lambda i: (str(data.entities.get(i, {}).get("name", i)).lower(), i))
    entity_rows = []
    for entity_id in entity_ids:
        record = data.entities.get(entity_id, {})
        local, elsewhere = _xref_links(data.entity_mentions[entity_id], article.doc_id, data)
        entity_type = str(record.get("type", ""))
        entity_rows.append(
            f'<li id="{anchor_for(entity_id)}" data-entity="{escape(entity_id)}"><span class="sw" style="background:{entity_colour(entity_type)}"></span>'
            f'<strong>{escape(str(record.get("name", entity_id)))}</strong> <small>{escape(entity_type)} · '
            f'<a href="{ENTITIES_PAGE}#{anchor_for(entity_id)}">{escape(entity_id)}</a></small><br>'
            f'here: {local}' + (f'<br>also in: {elsewhere}' if elsewhere else '<br><span class="muted">in no other article</span>') + "</li>"
        )
    cluster_ids = sorted({e["cluster_id"] for e in article.record["events"] if e.get("cluster_id")})
    cluster_rows = []
    for cluster_id in cluster_ids:
        record = data.clusters.get(cluster_id, {})
        local, elsewhere = _xref_links(data.cluster_mentions[cluster_id], article.doc_id, data)
        when = record.get("date") or {}
        when_text = f" · {when.get('start')}" + (f" – {when['end']}" if when.get("end") else "") if when else ""
        cluster_rows.append(
            f'<li id="{anchor_for(cluster_id)}" data-cluster="{escape(cluster_id)}"><strong>{escape(str(record.get("name", cluster_id)))}</strong> '
            f'<small>{escape(cluster_id)}{escape(when_text)}</small><br>here: {local}'
            + (f'<br>also in: {elsewhere}' if elsewhere else '<br><span class="muted">in no other article</span>') + "</li>"
        )
    return (
        '<section id="xref">\n'
        f'<h2>Entities in this article ({len(entity_rows)})</h2>\n<ul class="xref" id="entities">\n' + "\n".join(entity_rows) + "\n</ul>\n"
        f'<h2>Event clusters in this article ({len(cluster_rows)})</h2>\n<ul class="xref" id="clusters">\n' + "\n".join(cluster_rows) + "\n</ul>\n"
        "</section>"
    )


def render_article(article: Article, data: SiteData) -> str:
    doc = article.record
    mentions = {m["id"]: m for m in doc["entities"]}
    spans = [_mention_span(m, data) for m in doc["entities"]] + [_event_span(e, mentions, data) for e in doc["events"]]
    text_html = render_spans(doc["text"], spans, f"{article.where} ({article.doc_id})")
    index = data.articles.index(article)
    nav = ['<a href="index.html">← All articles and timeline</a>', f'<a href="{ENTITIES_PAGE}">All entities</a>']
    if index > 0:
        nav.append(f'<a href="{data.articles[index - 1].page}" rel="prev">‹ previous</a>')
    if index + 1 < len(data.articles):
        nav.append(f'<a href="{data.articles[index + 1].page}" rel="next">next ›</a>')
    provenance = doc.get("provenance") or {}
    meta = [
        ("Publisher", _method(doc.get("publisher"))),
        ("Published", _method(doc.get("publication_date"))),
        ("Split", escape(article.split)),
        ("ID", f"<code>{escape(article.doc_id)}</code> <small>(raw: {escape(str(provenance.get('raw_path')))}, source file {escape(str(provenance.get('source_file')))})</small>"),
        ("Annotation", f"{len(doc['entities'])} entity mentions, {len(doc['events'])} events ({len(article.dated_events)} with a normalised date)"),
    ]
    meta_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)
    body = (
        f'<nav class="top">{" ".join(nav)}</nav>\n'
        f'<h1 id="title">{escape(article.title)}</h1>\n'
        f'<dl class="meta">{meta_html}</dl>\n'
        f"{_legend(article)}\n"
        '<div class="toolbar"><button type="button" id="raw-toggle" aria-pressed="false" aria-controls="raw clean">Show raw page</button>'
        '<span class="muted">the page as it arrived, with metadata and boilerplate struck through</span></div>\n'
        f'<article id="clean" data-doc="{article.doc_id}" data-mentions="{len(doc["entities"])}" data-events="{len(doc["events"])}">{text_html}</article>\n'
        f"{_raw_html(article)}\n"
        f"{_xref_section(article, data)}\n"
        f'<footer>DETENTE {escape(data.version)} · generated by <code>detente site</code></footer>'
    )
    return page(f"{article.title} · DETENTE {data.version}", body, ARTICLE_JS)


# ---------------------------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class _Segment:
    first: date
    last: date
    x: float
    width: float
    gap: bool

    def x_of(self, day: date, end: bool) -> float:
        """x of the start of `day`, or of its end when end=True."""
        days = (self.last - self.first).days + 1
        offset = (day - self.first).days + (1 if end else 0)
        return self.x + self.width * offset / days


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def timeline_axis(months: dict[date, bool], lo: date, hi: date) -> list[_Segment]:
    """The x axis from lo to hi: a column per month in `months` (wide when it holds a day-precise date,
    narrow otherwise) and a collapsed gap for every run of other months."""
    if not months:
        months = {_month_start(lo): False}
    first_month, last_month = min(months), max(months)
    segments: list[_Segment] = []
    x = LANE_LABEL_WIDTH

    def gap(first: date, last: date) -> None:
        nonlocal x
        segments.append(_Segment(first, last, x, GAP_WIDTH, True))
        x += GAP_WIDTH

    if lo < first_month:
        gap(lo, first_month - timedelta(days=1))
    gap_start: date | None = None
    month = first_month
    while month <= last_month:
        end = _next_month(month) - timedelta(days=1)
        if month in months:
            if gap_start is not None:
                gap(gap_start, month - timedelta(days=1))
                gap_start = None
            width = PX_PER_DAY * ((end - month).days + 1) if months[month] else COMPACT_MONTH_WIDTH
            segments.append(_Segment(month, end, x, width, False))
            x += width
        elif gap_start is None:
            gap_start = month
        month = _next_month(month)
    if hi > segments[-1].last:
        gap(segments[-1].last + timedelta(days=1), hi)
    return segments


def axis_months(date_values: list[str], pins: list[date]) -> dict[date, bool]:
    """Months to draw as columns, each with whether it holds a day-precise date (ISO strings of any precision)."""
    months: dict[date, bool] = {}
    for value in date_values:
        if len(value) >= 7:  # a year-precise date spans a whole year and asks for no column of its own
            month = date(int(value[:4]), int(value[5:7]), 1)
            months[month] = months.get(month, False) or len(value) == 10
    for pin in pins:
        months[_month_start(pin)] = True
    return months


def _x(segments: list[_Segment], day: date, end: bool = False) -> float:
    for seg in segments:
        if seg.first <= day <= seg.last:
            return seg.x_of(day, end)
    raise ValueError(f"{day} outside the timeline axis")  # cannot happen: the axis covers every mark


def _event_number(event_id: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", event_id)
    return (int(digits) if digits else 0, event_id)


def render_timeline(data: SiteData) -> tuple[str, int]:
    """An inline SVG: one lane per article, one linked mark per dated event mention. Returns (html, marks)."""
    per_article: list[tuple[Article, list[tuple[date, date, dict[str, Any]]]]] = []
    for a in data.articles:
        dated = []
        for e in a.dated_events:
            first, last = event_period(e["date"], f"{a.where} ({a.doc_id}) event {e['id']}")
            dated.append((first, last, e))
        per_article.append((a, dated))
    pins = [_bounds(a.date, a.where)[0] for a in data.articles if a.date]
    all_marks = [(f, l) for _, d in per_article for f, l, _ in d]
    if not all_marks:
        return '<p class="muted">No event has a normalised date.</p>', 0
    date_values = [v for _, d in per_article for _, _, e in d for v in (e["date"]["start"], e["date"].get("end")) if v]
    lo = min([f for f, _ in all_marks] + pins)
    hi = max([l for _, l in all_marks] + pins)
    segments = timeline_axis(axis_months(date_values, pins), lo, hi)
    width = segments[-1].x + segments[-1].width + 10

    parts: list[str] = []
    y = AXIS_HEIGHT
    mark_count = 0
    for article, dated in per_article:
        placed: list[tuple[float, float, int, date, date, dict[str, Any]]] = []
        row_ends: list[float] = []
        boxes = []
        for first, last, e in dated:
            x0, x1 = _x(segments, first), _x(segments, last, end=True)
            if x1 - x0 < MIN_MARK_WIDTH:
                middle = (x0 + x1) / 2
                x0, x1 = middle - MIN_MARK_WIDTH / 2, middle + MIN_MARK_WIDTH / 2
            boxes.append((x0, x1, first, last, e))
        for x0, x1, first, last, e in sorted(boxes, key=lambda b: (b[0], b[1], _event_number(b[4]["id"]))):
            row = next((i for i, end in enumerate(row_ends) if end + 1.5 <= x0), len(row_ends))
            if row == len(row_ends):
                row_ends.append(x1)
            else:
                row_ends[row] = x1
            placed.append((x0, x1, row, first, last, e))
        lane_height = max(1, len(row_ends)) * ROW_STEP + 2 * LANE_PAD
        label = _short(article.title, 30)
        parts.append(
            f'<g class="lane" data-doc="{article.doc_id}">'
            f'<line x1="0" x2="{width:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dadce0"/>'
            f'<a href="{article.page}"><text x="6" y="{y + LANE_PAD + 10:.1f}" font-size="12" fill="#1a56b0">{escape(label)}<title>{escape(article.title)}</title></text></a>'
            f'<text x="6" y="{y + LANE_PAD + 24:.1f}" font-size="10" fill="#5f6368">{escape(article.date or "undated")} · {len(dated)} dated events</text>'
        )
        if article.date:
            px = _x(segments, _bounds(article.date, article.where)[0]) + PX_PER_DAY / 2
            parts.append(
                f'<path class="pub" d="M{px:.1f} {y + 1:.1f} l-4 -0 l4 6 l4 -6 z" fill="#202124"><title>published {escape(article.date)}</title></path>'
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y + 7:.1f}" y2="{y + lane_height:.1f}" stroke="#202124" stroke-dasharray="2 3" stroke-width="1"/>'
            )
        for x0, x1, row, first, last, e in sorted(placed, key=lambda p: _event_number(p[5]["id"])):
            plover = e.get("plover") or ACE_ONLY
            mode = f"/{e['mode']}" if e.get("mode") else ""
            tip = (f"{article.doc_id} {e['id']}: {plover}{mode} “{e['trigger']['text']}” ({e.get('realis')}) — "
                   f"{format_event_date(e['date'])}")
            ry = y + LANE_PAD + row * ROW_STEP
            period = last > first
            parts.append(
                f'<a class="tl-mark" href="{article.page}#{escape(e["id"])}" data-doc="{article.doc_id}" data-event="{escape(e["id"])}" '
                f'data-plover="{escape(plover)}" data-date="{escape(e["date"]["start"])}" aria-label="{escape(tip)}">'
                f'<rect x="{x0:.1f}" y="{ry:.1f}" width="{x1 - x0:.1f}" height="{MARK_HEIGHT:.1f}" rx="2" '
                f'fill="{event_colour(e.get("plover"))}" fill-opacity="{0.45 if period else 1}" stroke="{event_colour(e.get("plover"))}" stroke-width="1"/>'
                f"<title>{escape(tip)}</title></a>"
            )
            mark_count += 1
        parts.append("</g>")
        y += lane_height
    height = y + 4

    axis: list[str] = []
    for seg in segments:
        axis.append(f'<line x1="{seg.x:.1f}" x2="{seg.x:.1f}" y1="4" y2="{height:.1f}" stroke="#e8eaed"/>')
        if seg.gap:
            tip = f"{seg.first.isoformat()} – {seg.last.isoformat()}: collapsed (no month here holds a dated event)"
            axis.append(
                f'<g class="gap"><rect x="{seg.x:.1f}" y="4" width="{seg.width:.1f}" height="{height - 4:.1f}" fill="#f1f3f4"/>'
                f'<text x="{seg.x + seg.width / 2:.1f}" y="20" font-size="12" text-anchor="middle" fill="#80868b">⋯</text><title>{escape(tip)}</title></g>'
            )
        else:
            axis.append(
                f'<text x="{seg.x + 3:.1f}" y="15" font-size="11" fill="#3c4043">{seg.first.strftime("%b")}</text>'
                f'<text x="{seg.x + 3:.1f}" y="28" font-size="10" fill="#80868b">{seg.first.year}</text>'
            )
    svg = (
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" aria-label="Event timeline: {mark_count} dated event mentions">'
        + "".join(axis) + "".join(parts) + "</svg>"
    )
    present = sorted({e.get("plover") or ACE_ONLY for _, d in per_article for _, _, e in d})
    counts = {p: sum(1 for _, d in per_article for _, _, e in d if (e.get("plover") or ACE_ONLY) == p) for p in present}
    legend = " ".join(
        f'<span><span class="sw" style="background:{event_colour(None if p == ACE_ONLY else p)}"></span>{escape(p)} <small>({counts[p]})</small></span>'
        for p in present
    )
    return f'<div class="tl-wrap">{svg}</div>\n<div class="legend" id="timeline-legend">{legend}</div>', mark_count


# ---------------------------------------------------------------------------------------------- index page


def _mentions_by_article(entries: list[tuple[str, str, str]], data: SiteData, title_chars: int, tooltip_is_id: bool) -> list[str]:
    """'<article title>: <a link to each mention, labelled by its text>' for each article holding any of the
    entries (doc_id, mention/event ID, text), in reading order."""
    groups = []
    for a in data.articles:
        links = [
            f'<a class="id" href="{a.page}#{escape(i)}" title="{escape(i if tooltip_is_id else t)}">{escape(t)}</a>'
            for d, i, t in entries if d == a.doc_id
        ]
        if links:
            groups.append(f'<a href="{a.page}">{escape(_short(a.title, title_chars))}</a>: ' + " ".join(links))
    return groups


def render_index(data: SiteData) -> tuple[str, int]:
    rows = []
    for number, a in enumerate(data.articles, start=1):
        doc = a.record
        lines = {c: sum(1 for r in a.line_labels.values() if r["class"] == c) for c in CLASS_COLOURS}
        rows.append(
            f'<tr data-doc="{a.doc_id}"><td class="n">{number}</td>'
            f'<td><a href="{a.page}">{escape(a.title)}</a><br><small><code>{a.doc_id}</code></small></td>'
            f"<td>{_method(doc.get('publication_date'))}</td><td>{_method(doc.get('publisher'))}</td><td>{escape(a.split)}</td>"
            f'<td class="n" data-count="mentions">{len(doc["entities"])}</td><td class="n" data-count="events">{len(doc["events"])}</td>'
            f'<td class="n" data-count="dated">{len(a.dated_events)}</td>'
            f'<td class="n"><small>{lines["content"]} / {lines["metadata"]} / {lines["boilerplate"]}</small></td></tr>'
        )
    timeline, marks = render_timeline(data)
    shared = []
    for cluster_id, entries in sorted(data.cluster_mentions.items()):
        groups = _mentions_by_article(entries, data, title_chars=50, tooltip_is_id=False)
        if len(groups) < 2:
            continue
        name = data.clusters.get(cluster_id, {}).get("name", cluster_id)
        links = "; ".join(groups)
        shared.append(f'<li data-cluster="{escape(cluster_id)}"><strong>{escape(name)}</strong> <small>{escape(cluster_id)}</small><br>{links}</li>')
    total_mentions = sum(len(a.record["entities"]) for a in data.articles)
    total_events = sum(len(a.record["events"]) for a in data.articles)
    body = (
        f"<h1>DETENTE {escape(data.version)}: annotated news on US–China diplomacy</h1>\n"
        f'<p class="muted">{len(data.articles)} articles, {total_mentions} entity mentions, {total_events} event mentions '
        f"({marks} with a normalised date). Open an article to see its entities and events in the text, and its raw page; "
        f'<a href="{ENTITIES_PAGE}">all {len(data.entity_mentions)} entities</a> lists every mention of each across the articles.</p>\n'
        '<h2 id="articles">Articles</h2>\n<table class="docs">\n<thead><tr><th class="n">#</th><th>Title</th><th>Published (how known)</th>'
        '<th>Publisher (how known)</th><th>Split</th><th class="n">Mentions</th><th class="n">Events</th><th class="n">Dated</th>'
        '<th class="n">Lines c/m/b</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>\n"
        '<h2 id="timeline-h">Event timeline</h2>\n'
        '<p class="muted">One mark per event mention with a normalised date, in its article\'s lane, placed at the days its date covers '
        "(a pale bar is a month, year or interval), coloured by PLOVER type; the triangle and dashed line mark the publication date. "
        "Months without any dated event are collapsed (⋯). Each mark links to its trigger in the article.</p>\n"
        f"{timeline}\n"
        f'<h2 id="shared">Events reported by more than one article ({len(shared)})</h2>\n<ul class="xref">\n' + "\n".join(shared) + "\n</ul>\n"
        f'<footer>DETENTE {escape(data.version)} · generated by <code>detente site</code></footer>'
    )
    return page(f"DETENTE {data.version}: articles and event timeline", body, wide=True), marks


# ---------------------------------------------------------------------------------------------- entity index

ENTITIES_PAGE = "entities.html"


def render_entities(data: SiteData) -> str:
    """Every registry entity the release refers to, by type, with links to each of its mentions in every article."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for entity_id in data.entity_mentions:
        by_type[str(data.entities.get(entity_id, {}).get("type", "?"))].append(entity_id)
    type_order = sorted(by_type, key=lambda t: (list(ENTITY_COLOURS).index(t) if t in ENTITY_COLOURS else len(ENTITY_COLOURS), t))
    sections = []
    for entity_type in type_order:
        rows = []
        ids = sorted(by_type[entity_type], key=lambda i: (-len(data.entity_mentions[i]), str(data.entities.get(i, {}).get("name", i)).lower(), i))
        for entity_id in ids:
            record, entries = data.entities.get(entity_id, {}), data.entity_mentions[entity_id]
            groups = _mentions_by_article(entries, data, title_chars=60, tooltip_is_id=True)
            where = "<br>".join(groups)
            details = [f"<code>{escape(entity_id)}</code>"]
            if record.get("wikidata"):
                details.append(f"Wikidata {escape(str(record['wikidata']))}")
            if record.get("note"):
                details.append(escape(str(record["note"])))
            rows.append(
                f'<tr id="{anchor_for(entity_id)}" data-entity="{escape(entity_id)}" data-mentions="{len(entries)}">'
                f'<td><span class="sw" style="background:{entity_colour(entity_type)}"></span><strong>{escape(str(record.get("name", entity_id)))}</strong>'
                f"<br><small>{' · '.join(details)}</small></td>"
                f'<td class="n">{len(entries)}</td><td class="n">{len(groups)}</td><td>{where}</td></tr>'
            )
        sections.append(
            f'<h2 id="type-{css_token(entity_type)}">{escape(entity_type)} ({len(ids)})</h2>\n'
            '<table class="docs"><thead><tr><th>Entity</th><th class="n">Mentions</th><th class="n">Articles</th><th>Mentions by article</th></tr></thead>\n'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
        )
    mentions = sum(len(entries) for entries in data.entity_mentions.values())
    contents = " · ".join(f'<a href="#type-{css_token(t)}">{escape(t)} ({len(by_type[t])})</a>' for t in type_order)
    body = (
        '<nav class="top"><a href="index.html">← All articles and timeline</a></nav>\n'
        f"<h1>Entities in DETENTE {escape(data.version)}</h1>\n"
        f'<p class="muted">{len(data.entity_mentions)} entities from the registry, with their {mentions} linked mentions '
        "(pronouns and nominals included), most mentioned first. Each mention links to its place in the article.</p>\n"
        f"<p>{contents}</p>\n" + "\n".join(sections) + "\n"
        f'<footer>DETENTE {escape(data.version)} · generated by <code>detente site</code></footer>'
    )
    return page(f"Entities · DETENTE {data.version}", body, wide=True)


# ---------------------------------------------------------------------------------------------- writing


def site_files(data: SiteData) -> tuple[dict[str, bytes], int]:
    """Every file of the site by relative path, and the number of timeline marks."""
    index, marks = render_index(data)
    files = {"index.html": index.encode("utf-8"), ENTITIES_PAGE: render_entities(data).encode("utf-8"),
             MARKER: f"DETENTE {data.version} static site, written by `detente site`.\n".encode("utf-8")}
    for article in data.articles:
        files[article.page] = render_article(article, data).encode("utf-8")
    return files, marks


def publish_site(files: dict[str, bytes], out_dir: Path) -> None:
    """Replace out_dir with the new site in one rename; refuse to replace a folder this module did not write."""
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).is_file())):
        raise InputError(str(out_dir), f"exists and is not a site written by `detente site` (no {MARKER}); choose another --out")
    write_tree(files, out_dir, replace=True)


def build_site(release_dir: Path, raw_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the site of one release into out_dir; returns what it holds. Nothing is written on bad input."""
    data = load_site_data(Path(release_dir), Path(raw_dir))
    files, marks = site_files(data)
    publish_site(files, Path(out_dir))
    return {
        "articles": len(data.articles),
        "pages": len(data.articles) + 2,  # the articles, the index and the entity index
        "mentions": sum(len(a.record["entities"]) for a in data.articles),
        "events": sum(len(a.record["events"]) for a in data.articles),
        "dated_events": sum(len(a.dated_events) for a in data.articles),
        "timeline_marks": marks,
    }


def main_site(version: str | None = None, out_dir: str | None = None, raw_dir: str | None = None) -> int:
    release_dir = ANNOTATED_DIR / (version or DATASET_VERSION)
    if not release_dir.is_dir():
        raise InputError(str(release_dir), "no such release")
    out = Path(out_dir) if out_dir else DEFAULT_OUT_DIR
    counts = build_site(release_dir, Path(raw_dir) if raw_dir else RAW_DIR, out)
    print(
        f"site: {out / 'index.html'} ({counts['articles']} article pages, {counts['mentions']} mentions, "
        f"{counts['events']} events, {counts['timeline_marks']} timeline marks)"
    )
    return 0
