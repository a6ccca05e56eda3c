"""Stage 1, clean: label every raw line and assemble the clean text with its offset map."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache, partial
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from detente.corpus import RawLine, decode, line_pieces, split_lines
from detente.errors import InputError, OffsetError
from detente.jsonio import read_json
from detente.rules import MONTHS, LineRule, match_line
from detente.schemas import category_class, label_set, validate

CLEANER_VERSION = "detente-cleaner/1"

_TERMINALS = (".", "!", "?", "…")  # sentence-final marks ...
_CLOSERS = "\"'”’»)]"  # ... optionally followed by closing quotes and brackets
_BULLET = re.compile(r"^[•·▪●*-]\s+")
_DATELINE_FORMATS = ("%d %B %Y %H:%M", "%d %B %Y", "%B %d, %Y %H:%M", "%B %d, %Y")
# A strict subset of what _DATELINE_FORMATS accept (single spaces, two-digit HH:MM); anything else goes to strptime.
_PLAIN_DATELINE = re.compile(rf"(\d{{1,2}}) ({MONTHS}) (\d{{4}})(?: (\d\d):(\d\d))?|({MONTHS}) (\d{{1,2}}), (\d{{4}})(?: (\d\d):(\d\d))?")
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTHS.split("|"), start=1)}
_METADATA_FIELD = {"byline": "bylines", "publisher": "publishers", "credit": "credits", "copyright": "copyrights"}


class LineLabel(NamedTuple):
    line: int
    category: str
    label_source: str  # "predicted" | "corrected"
    rule: str

    @property
    def line_class(self) -> str:
        return category_class()[self.category]


class Segment(NamedTuple):
    start: int  # offset in the clean text
    raw_start: int  # offset in the raw text
    length: int
    line: int


# A NamedTuple's generated __new__ is a Python function; on the hot path build the same tuple in C.
_new_segment = partial(tuple.__new__, Segment)


@dataclass
class CleanedDocument:
    """The cleaner's output; per-line results are columns with one entry per raw line, in order."""

    text: str
    title: str | None
    categories: list[str]
    rules: list[str]  # the rule that predicted each line's category
    label_sources: list[str]  # "predicted" | "corrected"
    segments: list[Segment]
    page_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[LineLabel]:
        return [
            LineLabel(number, category, source, rule)
            for number, (category, source, rule) in enumerate(zip(self.categories, self.label_sources, self.rules), start=1)
        ]


class LineFeatures(NamedTuple):
    """Everything the cleaner derives from one stripped line's own text."""

    category: str | None  # what the line's own text decides (a rule fired, or blank); None: its place decides
    rule_id: str  # the rule that decided `category`, "" when none did
    starts_related_section: bool
    words: int
    prose: bool  # running text: a finished sentence, or too long to be a heading
    headline: bool
    bullet: bool
    content: str  # the text without a leading bullet marker
    content_start: int  # where `content` starts in the stripped line


BLANK_LINE = LineFeatures("whitespace", "blank", False, 0, False, False, False, "", 0)
_new_features = partial(tuple.__new__, LineFeatures)  # as _new_segment: runs once per distinct line of a crawl


def count_words(text: str) -> int:
    """len(text.split()), without building the list when the answer is plain (this runs on every new line)."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # printable excludes every whitespace character but " ", so single spaces separate all the words
        return text.count(" ") + 1 if text else 0
    return len(text.split())


def compute_line_features(stripped: str) -> LineFeatures:
    """Features of a stripped line (BLANK_LINE for an empty one)."""
    if not stripped:
        return BLANK_LINE
    words = count_words(stripped)
    terminal = stripped.rstrip(_CLOSERS)[-1:] in _TERMINALS  # what `[.!?…][closers]*$` matches, without a regex scan
    bullet = _BULLET.match(stripped)
    content_start = bullet.end() if bullet else 0
    rule = match_line(stripped, words)
    return _new_features((
        rule.category if rule else None,
        rule.rule_id if rule else "",
        rule.starts_related_section if rule else False,
        words,
        words >= 20 or (words >= 5 and terminal),
        5 <= words <= 30 and not terminal,
        bullet is not None,
        stripped[content_start:],
        content_start,
    ))


# Page furniture (menus, share buttons, promos, captions) repeats across a site's pages: remember the
# features of recent lines. Bounded, least recently used first out, so memory stays flat on any crawl.
line_features = lru_cache(maxsize=4096)(compute_line_features)


def _neighbour(category: list[str | None], i: int, step: int) -> int | None:
    """The nearest non-blank line before (step -1) or after (step 1) line i."""
    j = i + step
    while 0 <= j < len(category) and category[j] == "whitespace":
        j += step
    return j if 0 <= j < len(category) else None


@cache
def _categories_of_class(line_class: str) -> frozenset[str]:
    return frozenset(category for category, of_class in category_class().items() if of_class == line_class)


def page_features(pieces: list[str]) -> list[LineFeatures]:
    """The features of every line of a page."""
    return [line_features(piece.strip()) for piece in pieces]


def predict_categories(features: list[LineFeatures]) -> tuple[list[str], list[str]]:
    """Category and rule ID of every line, from its own text and its place on the page."""
    count = len(features)
    # Pass 1: rules on each line's own text (already applied by line_features).
    category: list[str | None] = [found.category for found in features]
    rule: list[str] = [found.rule_id for found in features]
    unmatched = [i for i, cat in enumerate(category) if cat is None]
    related_headers = [i for i, found in enumerate(features) if found.starts_related_section]

    # Pass 2: a short non-prose line between two lines of the same boilerplate block belongs to it.
    boilerplate = _categories_of_class("boilerplate") - {"whitespace"}
    for i in unmatched:
        if not features[i].prose:
            before, after = _neighbour(category, i, -1), _neighbour(category, i, 1)
            if before is not None and after is not None and category[before] == category[after] in boilerplate:
                category[i], rule[i] = category[before], "sandwiched-in-block"

    # Pass 3: page structure (header zone, title, standfirst, body, footer zone).
    open_lines = [i for i in unmatched if category[i] is None]
    prose = [i for i in open_lines if features[i].prose and not features[i].bullet]
    first_prose = prose[0] if prose else count
    section_start = next((h for h in related_headers if h > first_prose), count)
    body_prose = [i for i in prose if i < section_start]
    last_prose = body_prose[-1] if body_prose else -1
    title = next((i for i in open_lines if i < first_prose and features[i].headline), None)

    for i in open_lines:
        found = features[i]
        if i == title:
            category[i], rule[i] = "title", "first-headline-before-body"
        elif i < first_prose:
            after_title = title is not None and i > title
            if after_title and (found.bullet or found.words >= 5):
                category[i], rule[i] = "standfirst", "between-title-and-body"
            else:
                category[i], rule[i] = "navigation", "header-zone"
        elif i >= section_start:
            category[i], rule[i] = "related_link", "in-related-section"
        elif i <= last_prose:
            if found.prose or found.bullet:
                category[i], rule[i] = "body", "prose-in-body"
            elif (previous := _neighbour(category, i, -1)) is not None and category[previous] == "video_widget":
                category[i], rule[i] = "video_widget", "follows-video-widget"
            elif found.words <= 4:
                category[i], rule[i] = "subhead", "short-line-in-body"
            else:
                category[i], rule[i] = "related_link", "headline-in-body"
        else:
            category[i], rule[i] = "footer", "after-body"

    return category, rule  # type: ignore[return-value]  # pass 3 decided every line the rules left open


def predict_labels(lines: list[RawLine]) -> list[LineLabel]:
    """Predict a category for every line from its own text and its place on the page."""
    categories, rules = predict_categories(page_features([ln.text for ln in lines]))
    return [LineLabel(ln.number, cat, "predicted", r) for ln, cat, r in zip(lines, categories, rules)]


def apply_corrections(labels: list[LineLabel], lines: list[RawLine], corrections: dict[str, Any], where: str) -> list[LineLabel]:
    """Override predicted labels with reviewed corrections; each must quote its line exactly."""
    validate(corrections, "line_corrections", where)
    by_line = {label.line: label for label in labels}
    texts = {ln.number: ln.text for ln in lines}
    seen: set[int] = set()
    for k, fix in enumerate(corrections["corrections"]):
        here = f"{where}: corrections[{k}] (line {fix['line']})"
        if fix["line"] not in by_line:
            raise InputError(here, f"the raw file has only {len(lines)} lines")
        if fix["line"] in seen:
            raise InputError(here, "line corrected twice")
        seen.add(fix["line"])
        if texts[fix["line"]] != fix["text"]:
            raise InputError(here, f"quoted text {fix['text']!r} is not the raw line {texts[fix['line']]!r}")
        old = by_line[fix["line"]]
        if old.category == fix["category"]:
            raise InputError(here, f"correction repeats the prediction {old.category!r}; delete it")
        by_line[fix["line"]] = LineLabel(old.line, fix["category"], "corrected", old.rule)
    return [by_line[label.line] for label in labels]


def parse_dateline(text: str) -> tuple[str | None, str | None]:
    """ISO date and HH:MM of a dateline, or (None, None) when no known format fits."""
    plain = _PLAIN_DATELINE.fullmatch(text)
    if plain is not None:  # the usual shapes, read directly: strptime costs ~10-40 µs a call
        day, month, year, hour, minute = plain.group(1, 2, 3, 4, 5) if plain.group(1) else plain.group(7, 6, 8, 9, 10)
        try:
            parsed = date(int(year), _MONTH_NUMBER[month], int(day))
        except ValueError:
            pass  # e.g. 31 February: strptime below gives the answer
        else:
            if hour is None:
                return parsed.isoformat(), None
            if int(hour) < 24 and int(minute) < 60:
                return parsed.isoformat(), f"{hour}:{minute}"
    for fmt in _DATELINE_FORMATS:
        try:
            parsed_time = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed_time.date().isoformat(), (parsed_time.strftime("%H:%M") if "%H" in fmt else None)
    return None, None


def assemble(pieces: list[str], categories: list[str], features: list[LineFeatures]) -> tuple[str, str | None, list[Segment], dict[str, list[Any]]]:
    """Clean text from the content lines, its offset map, the title and the metadata fields.

    `pieces` as corpus.line_pieces returns them, `features` as page_features returns them.
    """
    content_categories, metadata_categories = _categories_of_class("content"), _categories_of_class("metadata")
    starts = list(accumulate(map(len, pieces), initial=0))  # line i starts at starts[i] + i (one "\n" per line)
    parts: list[str] = []
    segments: list[Segment] = []
    offset = 0
    title: str | None = None
    meta: dict[str, list[Any]] = {"bylines": [], "datelines": [], "publishers": [], "credits": [], "copyrights": []}
    for i in [i for i, category in enumerate(categories) if category in content_categories]:
        piece, found = pieces[i], features[i]
        content = found.content
        if not content:
            continue  # a content label on a blank line adds no text
        if parts:
            offset += 1  # the "\n" separator
        leading_space = len(piece) - len(piece.lstrip()) if piece[:1].isspace() else 0
        segments.append(_new_segment((offset, starts[i] + i + leading_space + found.content_start, len(content), i + 1)))
        parts.append(content)
        offset += len(content)
        if title is None and categories[i] == "title":
            title = content
    for i in [i for i, category in enumerate(categories) if category in metadata_categories]:
        category, stripped = categories[i], pieces[i].strip()
        if category == "dateline":
            iso_date, hours_minutes = parse_dateline(stripped)
            meta["datelines"].append({"text": stripped, "date": iso_date, "time": hours_minutes})
        else:
            meta[_METADATA_FIELD[category]].append(stripped)
    return "\n".join(parts), title, segments, meta


def check_offsets(raw_text: str, doc: CleanedDocument, where: str) -> None:
    """Every clean character maps back to raw; the only unmapped characters are the "\\n" between segments."""
    segments = doc.segments
    expected_starts = list(accumulate((seg.length + 1 for seg in segments[:-1]), initial=0))
    if [seg.start for seg in segments] == expected_starts[: len(segments)] and doc.text == "\n".join(
        [raw_text[seg.raw_start : seg.raw_start + seg.length] for seg in segments]
    ):
        return
    # Something is off: name the first segment that does not reproduce its text.
    for seg in segments:
        if raw_text[seg.raw_start : seg.raw_start + seg.length] != doc.text[seg.start : seg.start + seg.length]:
            raise OffsetError(where, f"segment for line {seg.line} does not reproduce the raw text")
    raise OffsetError(where, "clean text has characters that map to no raw offset")


def clean_text(raw_text: str, corrections: dict[str, Any] | None = None, where: str = "<text>") -> CleanedDocument:
    """Pure core: raw page text -> labelled lines + clean text + offsets."""
    pieces = line_pieces(raw_text)
    features = page_features(pieces)
    categories, rules = predict_categories(features)
    sources = ["predicted"] * len(pieces)
    if corrections is not None:
        predicted = [LineLabel(number, cat, "predicted", r) for number, (cat, r) in enumerate(zip(categories, rules), start=1)]
        corrected = apply_corrections(predicted, split_lines(raw_text), corrections, where)
        categories, sources = [lb.category for lb in corrected], [lb.label_source for lb in corrected]
    text, title, segments, meta = assemble(pieces, categories, features)
    doc = CleanedDocument(text, title, categories, rules, sources, segments, meta)
    check_offsets(raw_text, doc, where)
    return doc


def load_corrections(path: Path) -> dict[str, Any] | None:
    return read_json(path) if path.exists() else None


def main_clean(paths: list[str], show_labels: bool = False) -> int:
    """`detente clean PATH...`: print the clean text (or the line labels) of any raw text files."""
    for n, name in enumerate(paths):
        path = Path(name)
        doc = clean_text(decode(path.read_bytes(), name), where=name)
        if len(paths) > 1:
            print(f"==> {name} <==")
        if show_labels:
            for line, label in zip(split_lines(decode(path.read_bytes(), name)), doc.labels):
                print(f"{label.line}\t{label.line_class}\t{label.category}\t{label.rule}\t{line.text}")
        else:
            sys.stdout.write(doc.text + "\n")
        if n < len(paths) - 1:
            print()
    return 0


assert set(label_set("line_category")) == set(category_class()), "labels.schema.json category_class out of sync"
