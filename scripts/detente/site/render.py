"""Site: a static HTML browser of a release (one page per article, an index with an event timeline, an entity index).

The pages are self-contained (inline CSS, a few lines of inline JS, no network resources), work from file://
or any web server, and are byte-identical for the same release. They are Jinja2 templates (templates/) with
autoescaping: every value a template prints is escaped, so article text is data, never markup. This module
picks what each page shows; load.py reads the release, timeline.py lays out the timeline, spans.py nests the
highlighted spans of an article's text, accounts.py groups the quotations by event and side.

A release with the quotations column (0.7.0 on) also gets the quotation layer: quotations marked in the article text
with a table of them under it, and accounts.html, the statements about each event cluster by side (US account,
Chinese account, then third-party and unknown). A release without it gets exactly the pages it always had.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from detente.errors import InputError
from detente.io import write_tree
from detente.paths import RAW_DIR, REPO_ROOT, release_folder
from detente.site.accounts import (
    ACCOUNTS_PAGE,
    SIDES,
    account_name,
    cluster_accounts,
    person_name,
    side_name,
    source_name,
    statements,
)
from detente.site.load import (
    ACE_ONLY,
    Article,
    Mention,
    SiteData,
    load_site_data,
    plover_label,
)
from detente.site.spans import article_spans, nest_spans
from detente.site.timeline import PX_PER_DAY, layout_timeline

__all__ = ["DEFAULT_OUT_DIR", "MARKER", "build_site", "load_site_data", "main_site", "publish_site", "site_files"]

DEFAULT_OUT_DIR = REPO_ROOT / "site"
# A folder holding this file was written by build_site and may be replaced by it; any other non-empty folder is refused.
MARKER = ".detente-site"
ENTITIES_PAGE = "entities.html"

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
ACE_ONLY_COLOUR = "#777777"
SIDE_COLOURS = {"us": "#3b5bdb", "china": "#c92a2a", "third_party": "#2b8a3e", "unknown": "#868e96"}
CLASS_COLOURS = {"content": "#2b6a2b", "metadata": "#1f5fa8", "boilerplate": "#b02a2a"}
# Raw-page category chips: greens for content, blues for metadata, warm hues for boilerplate, grey for blank lines.
CATEGORY_COLOURS = {
    "title": "#1e7b34", "standfirst": "#2f8f4a", "subhead": "#3f9c5a", "body": "#2b6a2b",
    "byline": "#1f5fa8", "dateline": "#2a6fbf", "publisher": "#3a56a8", "credit": "#4b6fd0", "copyright": "#2a4f8a",
    "advertisement": "#b02a2a", "navigation": "#a0522d", "share": "#c2185b", "promo": "#d84315",
    "related_link": "#8e24aa", "caption": "#6d4c41", "video_widget": "#ad1457", "counter": "#795548",
    "author_bio": "#5d4037", "footer": "#7b1fa2", "whitespace": "#9aa0a6",
}


# ---------------------------------------------------------------------------------------------- what the templates call


def _fallback_colour(name: str) -> str:
    """A stable colour for a label the palettes do not know (a future schema value)."""
    return f"hsl({int(hashlib.sha256(name.encode('utf-8')).hexdigest()[:4], 16) % 360} 55% 42%)"


def entity_colour(entity_type: str) -> str:
    return ENTITY_COLOURS.get(entity_type, _fallback_colour(entity_type))


def plover_colour(plover: str | None) -> str:
    if plover is None:
        return ACE_ONLY_COLOUR
    return PLOVER_COLOURS.get(plover, _fallback_colour(plover))


def event_colour(event: dict[str, Any]) -> str:
    return plover_colour(event.get("plover"))


def label_colour(label: str) -> str:
    """Colour of a PLOVER label as the legends print it (ACE_ONLY for events without a PLOVER type)."""
    return plover_colour(None if label == ACE_ONLY else label)


def side_colour(side: Any) -> str:
    return SIDE_COLOURS.get(str(side), _fallback_colour(str(side)))


def category_colour(line_class: Any, category: Any) -> str:
    return CATEGORY_COLOURS.get(str(category)) or CLASS_COLOURS.get(str(line_class)) or _fallback_colour(str(category))


def css_token(value: Any) -> str:
    """A label as a CSS class fragment (labels are closed sets, but the page must not break on odd input)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(value))


def anchor_for(registry_id: str) -> str:
    """HTML id of an entity (ent:x -> e-x) or event cluster (evt:x -> c-x) in the cross-document lists."""
    prefix, _, rest = registry_id.partition(":")
    return ("e-" if prefix == "ent" else "c-" if prefix == "evt" else "r-") + css_token(rest or prefix)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_event_date(event_date: dict[str, Any]) -> str:
    span = event_date["start"] + (f" – {event_date['end']}" if event_date.get("end") else "")
    expression = f"; “{event_date['expression']}”" if event_date.get("expression") else ""
    return f"{span} ({event_date.get('granularity')}, anchor: {event_date.get('anchor')}{expression})"


def fixed(value: float, decimals: int = 1) -> str:
    """A coordinate as the SVG prints it."""
    return f"{value:.{decimals}f}"


def line_counts(article: Article) -> dict[str, int]:
    """Raw lines by class (content, metadata, boilerplate)."""
    return {c: sum(1 for r in article.line_labels.values() if r["class"] == c) for c in CLASS_COLOURS}


def escape_value(value: Any) -> Any:
    """The templates' `finalize`: every printed value is escaped by html.escape, the spelling the pages have
    always had (&quot; and &#x27;, where markupsafe writes &#34; and &#39;), so autoescaping then leaves it
    alone. Only Markup passes unchanged: the output of a template's own macros, and the static CSS and JS."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


def _static(name: str) -> Markup:
    """A file of static/, to inline in a <style> or <script> element (so it must not close the element)."""
    text = (files("detente.site") / "static" / name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"static/{name} contains '</', which would end its inline element early")
    return Markup(text)  # the package's own CSS/JS, not data


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("detente.site", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=escape_value,
    )
    env.filters.update(
        anchor=anchor_for, css_token=css_token, entity_colour=entity_colour, event_colour=event_colour, label_colour=label_colour,
        event_date=format_event_date, fixed=fixed, plover=plover_label, short=shorten,
        side_colour=side_colour, side_name=side_name, account_name=account_name, source_name=source_name,
    )
    env.globals.update(
        ace_only=ACE_ONLY, category_colour=category_colour, entities_page=ENTITIES_PAGE, line_counts=line_counts,
        accounts_page=ACCOUNTS_PAGE, person_name=person_name, sides=SIDES,
        site_css=_static("site.css"), article_js=_static("article.js"),
        quotes_css=_static("quotes.css"),  # the quotation layer's, only on the pages of a release that has it
    )
    return env


# ---------------------------------------------------------------------------------------------- what the pages show

ArticleMentions = tuple[Article, list[Mention]]


def mentions_by_article(mentions: list[Mention], data: SiteData, skip: str | None = None) -> list[ArticleMentions]:
    """The mentions grouped by article, in reading order (leaving out the article `skip`)."""
    by_doc: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_doc[mention[0]].append(mention)
    return [(a, by_doc[a.doc_id]) for a in data.articles if a.doc_id in by_doc and a.doc_id != skip]


@dataclass(frozen=True)
class CrossReference:
    """A registry entity or event cluster as an article lists it: its mentions here and in the other articles."""

    registry_id: str
    name: str
    type: str  # an entity's type; "" for a cluster
    when: str  # a cluster's date, as " · start – end"; "" for an entity
    here: list[Mention]
    elsewhere: list[ArticleMentions]


def _cross_reference(registry_id: str, name: str, entity_type: str, when: str, mentions: list[Mention], article: Article, data: SiteData) -> CrossReference:
    here = [m for m in mentions if m[0] == article.doc_id]
    return CrossReference(registry_id, name, entity_type, when, here, mentions_by_article(mentions, data, skip=article.doc_id))


def cross_references(article: Article, data: SiteData) -> tuple[list[CrossReference], list[CrossReference]]:
    """The entities (by name) and event clusters (by ID) this article mentions."""
    doc = article.record
    entity_ids = sorted({m["entity_id"] for m in doc["entities"] if m.get("entity_id")}, key=lambda i: (data.entity_name(i).lower(), i))
    entities = [
        _cross_reference(i, data.entity_name(i), str(data.entities.get(i, {}).get("type", "")), "", data.entity_mentions[i], article, data)
        for i in entity_ids
    ]
    clusters = []
    for cluster_id in sorted({e["cluster_id"] for e in doc["events"] if e.get("cluster_id")}):
        when = data.clusters.get(cluster_id, {}).get("date") or {}
        when_text = f" · {when.get('start')}" + (f" – {when['end']}" if when.get("end") else "") if when else ""
        clusters.append(_cross_reference(cluster_id, data.cluster_name(cluster_id), "", when_text, data.cluster_mentions[cluster_id], article, data))
    return entities, clusters


def render_article(article: Article, data: SiteData) -> str:
    doc = article.record
    spans = article_spans(doc["entities"], doc["events"], article.quotations)
    text = nest_spans(doc["text"], spans, f"{article.where} ({article.doc_id})")
    index = data.articles.index(article)
    entity_xrefs, cluster_xrefs = cross_references(article, data)
    counts = line_counts(article)
    return environment().get_template("article.html").render(
        data=data,
        article=article,
        doc=doc,
        text=text,
        mentions={m["id"]: m for m in doc["entities"]},
        previous_article=data.articles[index - 1] if index > 0 else None,
        next_article=data.articles[index + 1] if index + 1 < len(data.articles) else None,
        entity_types=sorted({m["type"] for m in doc["entities"]}),
        plover_labels=sorted({plover_label(e) for e in doc["events"]}),
        line_summary=", ".join(f"{n} {c}" for c, n in counts.items()),
        category_names=", ".join(sorted({rec["category"] for rec in article.line_labels.values()})),
        entity_xrefs=entity_xrefs,
        cluster_xrefs=cluster_xrefs,
        statements=statements(article),
        quotation_sides=[side for side in SIDES if any(q["side"] == side for q in article.quotations)],
    )


def render_index(data: SiteData) -> tuple[str, int]:
    """The index page (articles, timeline, events reported by several articles) and its number of timeline marks."""
    timeline = layout_timeline(data)
    shared = []
    for cluster_id, mentions in sorted(data.cluster_mentions.items()):
        groups = mentions_by_article(mentions, data)
        if len(groups) >= 2:
            shared.append((cluster_id, groups))
    marks = timeline.mark_count if timeline else 0
    accounts = cluster_accounts(data)
    html_text = environment().get_template("index.html").render(
        accounts=accounts,
        account_ids={c.cluster_id for c in accounts},
        quotation_count=sum(len(a.quotations) for a in data.articles),
        data=data,
        timeline=timeline,
        px_per_day=PX_PER_DAY,
        marks=marks,
        shared=shared,
        mention_count=sum(len(a.record["entities"]) for a in data.articles),
        event_count=sum(len(a.record["events"]) for a in data.articles),
    )
    return html_text, marks


@dataclass(frozen=True)
class EntityRow:
    entity_id: str
    name: str
    record: dict[str, Any]  # the registry's ({} for an ID it does not hold)
    mentions: list[Mention]
    by_article: list[ArticleMentions]


def render_entities(data: SiteData) -> str:
    """Every registry entity the release refers to, by type, with links to each of its mentions in every article."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for entity_id in data.entity_mentions:
        by_type[str(data.entities.get(entity_id, {}).get("type", "?"))].append(entity_id)
    type_order = sorted(by_type, key=lambda t: (list(ENTITY_COLOURS).index(t) if t in ENTITY_COLOURS else len(ENTITY_COLOURS), t))
    sections = []
    for entity_type in type_order:
        ids = sorted(by_type[entity_type], key=lambda i: (-len(data.entity_mentions[i]), data.entity_name(i).lower(), i))
        rows = [
            EntityRow(i, data.entity_name(i), data.entities.get(i, {}), data.entity_mentions[i], mentions_by_article(data.entity_mentions[i], data))
            for i in ids
        ]
        sections.append((entity_type, rows))
    return environment().get_template("entities.html").render(
        data=data,
        sections=sections,
        mention_count=sum(len(mentions) for mentions in data.entity_mentions.values()),
    )


def render_accounts(data: SiteData) -> str:
    """Per event cluster, the statements about it side by side: US account, Chinese account, then the others."""
    clusters = cluster_accounts(data)
    return environment().get_template("accounts.html").render(
        data=data,
        clusters=clusters,
        quotation_count=sum(len(a.quotations) for a in data.articles),
        linked_count=sum(c.count for c in clusters),
    )


# ---------------------------------------------------------------------------------------------- writing


def site_files(data: SiteData) -> tuple[dict[str, bytes], int]:
    """Every file of the site by relative path, and the number of timeline marks."""
    index, marks = render_index(data)
    site = {"index.html": index.encode("utf-8"), ENTITIES_PAGE: render_entities(data).encode("utf-8"),
            MARKER: f"DETENTE {data.version} static site, written by `detente site`.\n".encode()}
    if data.has_quotations:
        site[ACCOUNTS_PAGE] = render_accounts(data).encode("utf-8")
    for article in data.articles:
        site[article.page] = render_article(article, data).encode("utf-8")
    return site, marks


def publish_site(site: dict[str, bytes], out_dir: Path) -> None:
    """Replace out_dir with the new site in one rename; refuse to replace a folder this module did not write."""
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).is_file())):
        raise InputError(str(out_dir), f"exists and is not a site written by `detente site` (no {MARKER}); choose another --out")
    write_tree(site, out_dir, replace=True)


def build_site(release_dir: Path, raw_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the site of one release into out_dir; returns what it holds. Nothing is written on bad input."""
    data = load_site_data(Path(release_dir), Path(raw_dir))
    site, marks = site_files(data)
    publish_site(site, Path(out_dir))
    return {
        "articles": len(data.articles),
        "pages": len(data.articles) + 2 + int(data.has_quotations),  # the articles, the index, the entity index (and the accounts)
        "mentions": sum(len(a.record["entities"]) for a in data.articles),
        "events": sum(len(a.record["events"]) for a in data.articles),
        "dated_events": sum(len(a.dated_events) for a in data.articles),
        "timeline_marks": marks,
        **({"quotations": sum(len(a.quotations) for a in data.articles)} if data.has_quotations else {}),
    }


def main_site(version: str | None = None, out_dir: str | None = None, raw_dir: str | None = None) -> int:
    release_dir = release_folder(version)
    out = Path(out_dir) if out_dir else DEFAULT_OUT_DIR
    counts = build_site(release_dir, Path(raw_dir) if raw_dir else RAW_DIR, out)
    print(
        f"site: {out / 'index.html'} ({counts['articles']} article pages, {counts['mentions']} mentions, "
        f"{counts['events']} events, {counts['timeline_marks']} timeline marks"
        + (f", {counts['quotations']} quotations; {ACCOUNTS_PAGE}" if "quotations" in counts else "") + ")"
    )
    return 0
