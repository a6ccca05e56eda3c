"""The static site: escaping, one highlight per gold mention, one timeline mark per dated event, determinism, and the
pages of the real 0.4.0 release byte for byte as recorded."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import StrictUndefined
from markupsafe import Markup

from detente.errors import InputError
from detente.site.render import MARKER, build_site, environment, escape_value, main_site
from fake_release import BREAKOUT, SCRIPT, write_fake_release

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "annotated" / "0.2.0"
RAW = REPO / "raw"
# SHA-256 of every file of the 0.4.0 site, as `sha256sum` writes them
RECORDED_0_4_0 = REPO / "tests" / "data" / "site_0.4.0.sha256"
VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "area", "base", "col", "embed", "source", "track", "path", "rect", "line"}


class Page(HTMLParser):
    """Start tags with their attributes, and the text inside each element that has an id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in VOID:
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text_by_id.setdefault(str(attributes["id"]), "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self._open:
            if ident:
                self.text_by_id[ident] += data

    def having_class(self, name: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]


def read_docs(release: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((release / "documents").glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("site") / "site"
    return out, build_site(RELEASE, RAW, out)


@pytest.fixture()
def fake(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    return write_fake_release(tmp_path)


def test_counts_returned(real_site: tuple[Path, dict[str, int]]) -> None:
    out, counts = real_site
    docs = read_docs(RELEASE)
    assert counts == {
        "articles": len(docs),
        "pages": len(docs) + 2,
        "mentions": sum(len(d["entities"]) for d in docs),
        "events": sum(len(d["events"]) for d in docs),
        "dated_events": sum(1 for d in docs for e in d["events"] if e["date"]),
        "timeline_marks": sum(1 for d in docs for e in d["events"] if e["date"]),
    }
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "index.html", "entities.html"] + [f"{d['id']}.html" for d in docs])


def test_every_gold_mention_and_trigger_is_highlighted_once(real_site: tuple[Path, dict[str, int]]) -> None:
    out, _ = real_site
    for doc in read_docs(RELEASE):
        page = Page((out / f"{doc['id']}.html").read_text(encoding="utf-8"))
        mentions = page.having_class("m")
        assert len(mentions) == len(doc["entities"]), doc["id"]
        assert Counter(m["data-type"] for m in mentions) == Counter(e["type"] for e in doc["entities"])
        assert [m["id"] for m in mentions] == [e["id"] for e in sorted(doc["entities"], key=lambda e: e["start"])]
        for entity in doc["entities"]:
            assert page.text_by_id[entity["id"]] == entity["text"]
        by_id = {m["id"]: m for m in mentions}
        assert {i: by_id[i].get("data-entity") for i in by_id} == {e["id"]: e["entity_id"] for e in doc["entities"]}
        triggers = page.having_class("trig")
        assert len(triggers) == len(doc["events"]), doc["id"]
        assert {t["id"]: (t["data-plover"], t["data-cluster"], t["tabindex"]) for t in triggers} == {
            e["id"]: (e["plover"] or "(ACE only)", e["cluster_id"], "0") for e in doc["events"]
        }
        # Each popover lists the event's arguments as "role: mention text".
        mention_text = {e["id"]: e["text"] for e in doc["entities"]}
        for event in doc["events"]:
            popover = page.text_by_id[f"pop-{event['id']}"]
            for arg in event["arguments"]:
                assert f"{arg['role']}: {mention_text[arg['mention_id']]}" in popover
            if event["date"]:
                assert event["date"]["start"] in popover
        # The raw view: one row per raw line, carrying the line's class and category.
        rows = page.having_class("rl")
        assert [(r["data-class"], r["data-category"]) for r in rows] == [(line["class"], line["category"]) for line in doc["line_labels"]]


def test_one_timeline_mark_per_dated_event(real_site: tuple[Path, dict[str, int]]) -> None:
    out, _ = real_site
    docs = read_docs(RELEASE)
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    marks = page.having_class("tl-mark")
    dated = {(d["id"], e["id"]) for d in docs for e in d["events"] if e["date"]}
    assert len(marks) == len(dated) == 155
    assert {(m["data-doc"], m["data-event"]) for m in marks} == dated
    events = {(d["id"], e["id"]): e for d in docs for e in d["events"]}
    for mark in marks:
        assert mark["href"] == f"{mark['data-doc']}.html#{mark['data-event']}"
        assert mark["data-plover"] == (events[(mark["data-doc"], mark["data-event"])]["plover"] or "(ACE only)")
    # The index lists every article with its counts.
    rows = [a for t, a in page.tags if t == "tr" and a.get("data-doc")]
    assert [r["data-doc"] for r in rows] == [d["id"] for d in sorted(docs, key=lambda d: (d["publication_date"]["value"], d["id"]))]


def test_marks_are_placed_by_date(real_site: tuple[Path, dict[str, int]]) -> None:
    out, _ = real_site
    html = (out / "index.html").read_text(encoding="utf-8")
    xs: dict[str, list[float]] = {}
    for date, x in re.findall(r'data-date="([0-9-]+)"[^>]*><rect x="([0-9.]+)"', html):
        xs.setdefault(date, []).append(float(x))
    ordered = sorted(xs)  # ISO strings sort by time; a month-precise date starts at its first day
    lefts = [min(xs[d]) for d in ordered]
    assert lefts == sorted(lefts)
    assert min(xs["2023-06-14"]) < min(xs["2023-06-18"]) < min(xs["2023-10-26"])


def test_markup_in_the_data_is_printed_as_text(fake: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    release, raw, docs = fake
    out = tmp_path / "site"
    counts = build_site(release, raw, out)
    assert counts["mentions"] == 10 and counts["events"] == 4 and counts["timeline_marks"] == 3
    for path in sorted(out.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert SCRIPT not in html and BREAKOUT not in html, path.name
        page = Page(html)
        assert not [t for t, _ in page.tags if t in ("img", "iframe", "object", "embed")], path.name
        assert not [(t, k) for t, a in page.tags for k in a if k.startswith("on")], path.name
        scripts = [t for t, _ in page.tags if t == "script"]
        assert len(scripts) == (0 if path.name in ("index.html", "entities.html", "accounts.html") else 1), path.name
    article = (out / f"{docs[0]['id']}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in article
    page = Page(article)
    assert page.text_by_id["m1"] == SCRIPT  # the mention shows its markup as text
    assert f"actor: {SCRIPT}" in page.text_by_id["pop-v1"]
    assert BREAKOUT in page.text_by_id["title"]
    assert "Example &quot;&gt;&lt;img src=x onerror=alert(1)&gt; News" in (out / "index.html").read_text(encoding="utf-8")


def test_cross_document_links(fake: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    release, raw, (doc_a, doc_b) = fake
    out = tmp_path / "site"
    build_site(release, raw, out)
    page_a = Page((out / f"{doc_a['id']}.html").read_text(encoding="utf-8"))
    hrefs = {a["href"] for _, a in page_a.tags if a.get("href")}
    # Paris is m3 in A and m1, m3 in B; the follow-up cluster is v2 in A and v1, v2 in B.
    assert {f"{doc_b['id']}.html#m1", f"{doc_b['id']}.html#m3", f"{doc_b['id']}.html#v1", f"{doc_b['id']}.html#v2"} <= hrefs
    paris = next(a for t, a in page_a.tags if a.get("data-type") == "GPE")
    assert paris["href"] == "#e-paris" and "e-paris" in page_a.text_by_id
    assert "in no other article" in page_a.text_by_id["c-paris-talks-2023-06"]
    page_b = Page((out / f"{doc_b['id']}.html").read_text(encoding="utf-8"))
    assert f"{doc_a['id']}.html#v2" in {a["href"] for _, a in page_b.tags if a.get("href")}


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build_site(RELEASE, RAW, first)
    build_site(RELEASE, RAW, second)
    build_site(RELEASE, RAW, second)  # rebuilding in place replaces the site
    files = sorted(p.name for p in first.iterdir())
    assert files == sorted(p.name for p in second.iterdir())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_bad_input_names_the_record_and_writes_nothing(fake: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    release, raw, docs = fake
    out = tmp_path / "site"
    build_site(release, raw, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    path = release / "documents" / "train.jsonl"
    broken = [dict(d) for d in docs]
    broken[1]["entities"] = [dict(broken[1]["entities"][0], text="Lyon")]
    path.write_text("".join(json.dumps(d) + "\n" for d in broken), encoding="utf-8")
    with pytest.raises(InputError, match=rf"train\.jsonl:2 \({docs[1]['id']}\) mention m1: offsets \[\d+, \d+\) do not reproduce 'Lyon'"):
        build_site(release, raw, out)

    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (raw / f"{docs[0]['id']}.txt").write_bytes(b"changed\n")
    with pytest.raises(InputError, match=rf"{docs[0]['id']}\.txt: sha256 differs"):
        build_site(release, raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_refuses_to_replace_a_folder_it_did_not_write(fake: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    release, raw, _ = fake
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes: exists and is not a site written by `detente site`"):
        build_site(release, raw, foreign)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_main_site_prints_where_the_site_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_site("0.2.0", str(tmp_path / "out")) == 0
    assert f"site: {tmp_path / 'out' / 'index.html'} (5 article pages, 644 mentions, 206 events, 155 timeline marks)" in capsys.readouterr().out
    with pytest.raises(InputError, match="no such release folder"):
        main_site("0.0.0", str(tmp_path / "other"))
    # 0.1.0 is a release without annotation: refused as such, and nothing is written
    with pytest.raises(InputError, match=r"0\.1\.0: release 0\.1\.0 has no gold annotation \(its documents carry no entities and events\), "
                                         r"and the site shows annotated releases: choose a later one with --release"):
        main_site("0.1.0", str(tmp_path / "old"))
    assert not (tmp_path / "old").exists()


def test_a_record_of_the_wrong_shape_is_named(fake: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    release, raw, docs = fake
    del docs[0]["provenance"]
    (release / "documents" / "train.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    with pytest.raises(InputError, match=r"train\.jsonl:1: malformed document record \(KeyError: 'provenance'\)"):
        build_site(release, raw, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_entity_index_lists_every_linked_mention_once_with_working_links(real_site: tuple[Path, dict[str, int]]) -> None:
    out, _ = real_site
    docs = read_docs(RELEASE)
    registry = {r["id"]: r for r in (json.loads(line) for line in (RELEASE / "registry" / "entities.jsonl").read_text(encoding="utf-8").splitlines())}
    linked = Counter(m["entity_id"] for d in docs for m in d["entities"] if m["entity_id"])
    page = Page((out / "entities.html").read_text(encoding="utf-8"))
    rows = [a for t, a in page.tags if t == "tr" and "data-entity" in a]
    assert Counter(r["data-entity"] for r in rows) == Counter(set(linked))  # each referenced entity once
    assert {r["data-entity"]: int(r["data-mentions"]) for r in rows} == dict(linked)
    targets = [a["href"] for t, a in page.tags if t == "a" and "mention" in (a.get("class") or "").split()]
    # one article link (bold, class art) per entity and article it is mentioned in; the mention links are class mention
    assert len(page.having_class("art")) == len({(m["entity_id"], d["id"]) for d in docs for m in d["entities"] if m["entity_id"]})
    assert len(targets) == sum(linked.values())  # one link per linked mention
    ids_on_page = {d["id"]: {m["id"] for m in d["entities"]} for d in docs}
    for href in targets:
        doc_page, _, mention = href.partition("#")
        assert mention in ids_on_page[doc_page.removesuffix(".html")], href
    sections = {a["id"] for t, a in page.tags if t == "h2" and a.get("id", "").startswith("type-")}
    assert sections == {f"type-{registry[i]['type']}" for i in linked}  # one section per entity type present
    most = max(linked, key=lambda i: (linked[i], i))
    assert rows[[r["data-entity"] for r in rows].index(most)]["data-mentions"] == str(linked[most])
    article = Page((out / f"{docs[0]['id']}.html").read_text(encoding="utf-8"))
    assert any(a.get("href", "").startswith("entities.html#") for t, a in article.tags if t == "a")


def test_the_0_4_0_site_is_byte_identical_to_the_recorded_one(tmp_path: Path) -> None:
    """Catches any drift of the pages (templates, static files, escaping, number formats). After an intended change,
    rebuild the site and rewrite the list: `cd SITE && sha256sum $(ls -A | LC_ALL=C sort) > tests/data/site_0.4.0.sha256`."""
    out = tmp_path / "site"
    build_site(REPO / "annotated" / "0.4.0", RAW, out)
    recorded = {name: digest for digest, name in (line.split(maxsplit=1) for line in RECORDED_0_4_0.read_text(encoding="utf-8").splitlines())}
    built = {path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(out.rglob("*")) if path.is_file()}
    assert sorted(built) == sorted(recorded)
    assert [name for name in sorted(built) if built[name] != recorded[name]] == []


def test_templates_escape_everything_and_mark_nothing_safe() -> None:
    env = environment()
    assert env.autoescape is True and env.undefined is StrictUndefined and env.finalize is escape_value
    assert env.loader is not None
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]
        assert "|safe" not in source.replace(" ", "") and "Markup" not in source, name
    # html.escape's spelling of the quotes, as the pages have always had; markup the templates built passes as is
    assert escape_value(BREAKOUT + "'") == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#x27;"
    assert escape_value(Markup("<b>")) == "<b>" and escape_value(None) == "None"


class StrictPage(HTMLParser):
    """Problems of nesting: an end tag that is not the innermost open element's, an element left open, a link inside
    a link, a block (p, div, section, table, blockquote) inside an inline element, and repeated ids."""

    BLOCKS = {"p", "div", "section", "table", "blockquote", "ol", "ul", "h1", "h2", "h3"}
    INLINE = {"a", "span", "mark", "small", "strong", "code"}
    VOID = VOID - {"path", "rect", "line"}  # SVG elements: closed by an end tag or "/>" (handle_startendtag)

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[str] = []
        self.ids: Counter[str] = Counter()
        self.feed(html)
        self.close()
        self.problems += [f"unclosed {tag}" for tag in self.open if tag not in ("html", "body", "head")]
        self.problems += [f"id {i} repeated" for i, n in self.ids.items() if n > 1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[str(attributes["id"])] += 1
        if tag == "a" and "a" in self.open:
            self.problems.append(f"a {attributes.get('href')} inside a link")
        if tag in self.BLOCKS and self.open and self.open[-1] in self.INLINE:
            self.problems.append(f"{tag} inside {self.open[-1]}")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <rect .../> and the like in the timeline's SVG: checked as a start tag, never left open
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.open and self.open[-1] != "p":  # ours never leave a p open around an element
            self.problems.append(f"</p> closes {self.open[-1]}")
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> but {self.open[-1] if self.open else 'nothing'} is open")
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]
            return
        self.open.pop()


@pytest.fixture()
def quoted(tmp_path: Path) -> tuple[Path, list[dict], dict[str, int]]:
    """The fake release with its quotation layer, built: (site folder, documents, counts)."""
    release, raw, docs = write_fake_release(tmp_path / "src", quotations=True)
    out = tmp_path / "site"
    return out, docs, build_site(release, raw, out)


def test_quotations_are_marked_in_the_text_and_listed_under_it(quoted: tuple[Path, list[dict], dict[str, int]]) -> None:
    out, docs, counts = quoted
    assert counts["quotations"] == 5 and counts["pages"] == len(docs) + 3
    doc = docs[2]
    mentions = {m["id"]: m for m in doc["entities"]}
    html = (out / f"{doc['id']}.html").read_text(encoding="utf-8")
    assert StrictPage(html).problems == []
    page = Page(html)
    pieces = page.having_class("qt")
    assert [p["data-quote"] for p in pieces] == ["q1", "q2", "q3", "q4", "q5", "q5"]  # q5 crosses a mention: two pieces
    assert [p.get("id") for p in pieces] == ["q1", "q2", "q3", "q4", "q5", None]
    popovers = [text for ident, text in page.text_by_id.items() if ident.startswith("pop-")]
    for q in doc["quotations"]:
        if q["id"] != "q5":
            shown = page.text_by_id[q["id"]]
            for popover in popovers:  # a trigger inside the quotation holds its popover's text
                shown = shown.replace(popover, "")
            assert shown == q["text"]
    assert page.text_by_id["m11"] == mentions["m11"]["text"]  # the mention it crosses is whole
    # the table: one row per quotation with speaker, cue, addressee, source, side and event
    rows = {a["data-quote"]: a for t, a in page.tags if t == "tr" and a.get("data-quote")}
    assert list(rows) == ["q1", "q2", "q3", "q4", "q5"]
    assert [(r["data-side"], r["data-source"]) for r in rows.values()] == [
        ("us", "readout"), ("china", "statement"), ("third_party", "news_report"), ("unknown", ""), ("unknown", "")]
    q1 = " ".join(page.text_by_id["quote-q1"].split())
    assert 'the talks were "candid and productive"' in q1 and "State Department US Department of State" in q1
    assert "said" in q1 and "readout" in q1 and "US" in q1 and "“talks” v1" in q1 and "Follow-up talks in Paris" in q1
    q4 = " ".join(page.text_by_id["quote-q4"].split())
    assert all(part in q4 for part in ("diplomat Unnamed diplomat", "told", "reporters Reporters", "not stated", "unknown", "no annotated event"))
    assert "indirect, paraphrase" in page.text_by_id["quote-q5"]
    assert "accounts.html#c-paris-talks-followup" in {a.get("href") for t, a in page.tags if t == "a"}
    assert 'id="legend-quotations"' in html and "Quotations in this article (5)" in page.text_by_id["quotations-h"]
    # an article of a release with the layer but without quotations says so
    empty = Page((out / f"{docs[0]['id']}.html").read_text(encoding="utf-8"))
    assert "Quotations in this article (0)" in empty.text_by_id["quotations-h"] and not empty.having_class("qt")


def test_the_accounts_page_sets_the_sides_next_to_each_other(quoted: tuple[Path, list[dict], dict[str, int]]) -> None:
    out, docs, _ = quoted
    html = (out / "accounts.html").read_text(encoding="utf-8")
    assert StrictPage(html).problems == []
    page = Page(html)
    sections = [a for t, a in page.tags if t == "section" and a.get("data-cluster")]
    assert [s["data-cluster"] for s in sections] == ["evt:paris-talks-followup"]  # q4 and q5 are about no event
    sides = [(a["data-side"], a["aria-labelledby"]) for t, a in page.tags if t == "section" and "side" in (a.get("class") or "").split()]
    assert [s for s, _ in sides] == ["us", "china", "third_party"]  # the two columns, then the third party; no "unknown" (none)
    assert [page.text_by_id[h].split(" (")[0] for _, h in sides] == ["US account", "Chinese account", "Third-party accounts"]
    statements = [(a["data-doc"], a["data-quote"], a["data-side"], a["data-source"]) for t, a in page.tags if t == "li" and a.get("data-quote")]
    doc = docs[2]["id"]
    assert statements == [(doc, "q1", "us", "readout"), (doc, "q2", "china", "statement"), (doc, "q3", "third_party", "news_report")]
    text = " ".join(page.text_by_id["c-paris-talks-followup"].split())
    assert "source readout" in text and "source statement" in text and "source news report" in text
    assert f'stop {SCRIPT} interference' in text and "US Department of State (said)" in text
    assert SCRIPT not in html and BREAKOUT not in html
    assert f"{doc}.html#q2" in {a.get("href") for t, a in page.tags if t == "a"}
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    links = {a.get("href") for t, a in index.tags if t == "a"}
    assert {"accounts.html", "accounts.html#c-paris-talks-followup"} <= links


def test_a_release_without_the_quotations_column_gets_no_quotation_layer(real_site: tuple[Path, dict[str, int]]) -> None:
    out, counts = real_site
    assert "quotations" not in counts and not (out / "accounts.html").exists()
    for path in sorted(out.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert "accounts.html" not in html and 'class="qt' not in html and ".qt{" not in html, path.name


def test_a_quotation_pointing_nowhere_is_named(tmp_path: Path) -> None:
    release, raw, docs = write_fake_release(tmp_path, quotations=True)
    docs[2]["quotations"][0]["speaker_id"] = "m99"
    (release / "documents" / "train.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    with pytest.raises(InputError, match=rf"train\.jsonl:3 \({docs[2]['id']}\) quotation q1: speaker_id 'm99' is not a mention of this document"):
        build_site(release, raw, tmp_path / "site")


def test_every_page_of_the_current_release_is_validly_nested(tmp_path: Path) -> None:
    """No link inside a link: a linked mention that holds a trigger (its popover links arguments and cluster) is a
    span whose own text pieces link to the entity, and the trigger and its popover sit outside those links."""
    release = sorted((REPO / "annotated").glob("[0-9]*.[0-9]*.[0-9]*"), key=lambda path: tuple(map(int, path.name.split("."))))[-1]
    out = tmp_path / "site"
    build_site(release, RAW, out)
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 8  # five articles, the index, the entities and the accounts pages
    assert {page.name: StrictPage(page.read_text(encoding="utf-8")).problems for page in pages} == {page.name: [] for page in pages}
    holding = 0
    for article in (page for page in pages if page.name.startswith("dtn-")):
        parsed = Page(article.read_text(encoding="utf-8"))
        for tag, attributes in parsed.tags:
            if tag == "span" and "m" in (attributes.get("class") or "").split() and attributes.get("data-entity"):
                holding += 1
                mention_id = str(attributes["id"])
                anchor = "#e-" + str(attributes["data-entity"]).removeprefix("ent:")
                pieces = [a for t, a in parsed.tags if t == "a" and a.get("class") == "ml" and a.get("href") == anchor]
                assert pieces, (article.name, mention_id)  # its text still links to the entity
                assert re.search(rf'id="{mention_id}"[^>]*>(<a class="ml"[^>]*>[^<]*</a>)?<span class="trig"', article.read_text(encoding="utf-8")), mention_id
    assert holding >= 3  # the G20 summit, the Shangri-La Dialogue, the APEC summit, ...


def test_every_cue_is_marked_in_the_text_and_linked_from_the_quotation_table(tmp_path: Path) -> None:
    """The current release's quotations: each cue once in the text (id cue-<quotation>, its words as the gold has
    them, coloured by the quotation's side), and the table's cue cell links to it."""
    release = sorted((REPO / "annotated").glob("[0-9]*.[0-9]*.[0-9]*"), key=lambda path: tuple(map(int, path.name.split("."))))[-1]
    out = tmp_path / "site"
    build_site(release, RAW, out)
    cues = 0
    for path in sorted((release / "documents").glob("*.jsonl")):
        for doc in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            page = Page((out / f"{doc['id']}.html").read_text(encoding="utf-8"))
            for q in doc.get("quotations") or []:
                if not q.get("cue"):
                    assert f"cue-{q['id']}" not in page.text_by_id
                    continue
                cues += 1
                assert page.text_by_id[f"cue-{q['id']}"] == q["cue"]["text"] == doc["text"][q["cue"]["start"]:q["cue"]["end"]]
                first = next(a for t, a in page.tags if a.get("id") == f"cue-{q['id']}")
                assert first["data-cue"] == q["id"] and f"s-{q['side']}" in str(first["class"]).split()
                assert ("a", {"class": "cue-ref", "href": f"#cue-{q['id']}"}) in page.tags
    if cues == 0:
        pytest.skip(f"{release.name} has no quotation with a cue")
    assert cues >= 80  # 83 in 0.9.0
