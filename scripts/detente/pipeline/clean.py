"""Stage 1, clean: label every raw line and assemble the clean text with its offset map.

The learned line model (detente.lines) decides which lines are article content; the rules (detente.lines.rules)
name what a dropped line is (advertisement, share, byline, dateline, ...); a line's place names the rest.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, partial
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from detente.errors import InputError
from detente.io import read_json, read_regular_file
from detente.lines.model import LineModel, default_model
from detente.lines.rules import MONTHS, matched_rule
from detente.lines.textcache import per_line_cache
from detente.offsets import check_segments
from detente.pipeline.corpus import RawDocument
from detente.rawtext import BOM, RawLine, decode, line_pieces, split_lines
from detente.schemas import category_class, label_set, validate

CLEANER_VERSION = "detente-cleaner/2"  # 2: the content decision comes from the learned line model


def cleaner_id(model: LineModel | None = None) -> str:
    """Names what predicts line labels: this cleaner version and the line model (by its file's SHA-256)."""
    return f"{CLEANER_VERSION}+{(model or default_model()).model_id}"

_TERMINALS = (".", "!", "?", "…")  # sentence-final marks ...
_CLOSERS = "\"'”’»)]"  # ... optionally followed by closing quotes and brackets
_BULLET = re.compile(r"^[•·▪●*-]\s+")
_DATELINE_FORMATS = ("%d %B %Y %H:%M", "%d %B %Y", "%B %d, %Y %H:%M", "%B %d, %Y")
# A strict subset of what _DATELINE_FORMATS accept (single spaces, ASCII digits, two-digit HH:MM); anything else
# goes to strptime. re.ASCII: a Unicode \d would take other scripts' digits, which strptime mostly refuses, and put
# them in the time ("٠٩:٣٠"), which the document schema does not allow.
_PLAIN_DATELINE = re.compile(rf"(\d{{1,2}}) ({MONTHS}) (\d{{4}})(?: (\d\d):(\d\d))?|({MONTHS}) (\d{{1,2}}), (\d{{4}})(?: (\d\d):(\d\d))?", re.ASCII)
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTHS.split("|"), start=1)}
# Other common dateline shapes, read after normalising (prefix, weekday, "at", commas, time zone, "Sept", am/pm case):
# "Published: 17 September 2023, 9:15am", "Updated Sun, Sep 17, 2023 at 09:15 AM GMT", "2023-09-17T09:15".
_DATELINE_PREFIX = re.compile(r"^(?:first published|last updated|published|updated|posted|date)(?:\s+on)?\s*:?\s*", re.IGNORECASE)
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\.?,?\s+", re.IGNORECASE)
_TIME_ZONE = re.compile(r"\s*(?:\(?(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|HKT|JST|KST|IST|AEST|MSK)(?:\s*[+-]\s*\d{1,2}(?::?\d\d)?)?\)?|[+-]\d\d:?\d\d)$")
_LOOSE_DATES = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%Y-%m-%d")
_LOOSE_TIMES = ("", " %H:%M", " %I:%M%p", " %I%p", " %H.%M", " %I.%M%p")
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
    """What the cleaner's rules and the category pass read from one stripped line's own text."""

    rule_category: str | None  # the category a rule names for the line (or "whitespace"); None: no rule fired
    rule_id: str  # the rule that fired, "" when none did
    starts_related_section: bool
    words: int
    prose: bool  # running text: a finished sentence, or too long to be a heading
    headline: bool
    bullet: bool
    content: str  # the text without a leading bullet marker
    content_start: int  # where `content` starts in the stripped line


BLANK_LINE = LineFeatures("whitespace", "blank", False, 0, False, False, False, "", 0)


def compute_line_features(stripped: str) -> LineFeatures:
    """Features of a stripped line (BLANK_LINE for an empty one)."""
    if not stripped:
        return BLANK_LINE
    words = len(stripped.split())
    terminal = stripped.rstrip(_CLOSERS)[-1:] in _TERMINALS
    bullet = _BULLET.match(stripped)
    content_start = bullet.end() if bullet else 0
    rule = matched_rule(stripped)
    return LineFeatures(
        rule.category if rule else None,
        rule.rule_id if rule else "",
        rule.starts_related_section if rule else False,
        words,
        words >= 20 or (words >= 5 and terminal),
        5 <= words <= 30 and not terminal,
        bullet is not None,
        stripped[content_start:],
        content_start,
    )


line_features = per_line_cache(compute_line_features)


@cache
def categories_of_class(line_class: str) -> frozenset[str]:
    return frozenset(category for category, of_class in category_class().items() if of_class == line_class)


def page_line_features(pieces: list[str]) -> list[LineFeatures]:
    """The rule features of every line of a page."""
    return [line_features(piece.strip()) for piece in pieces]


def content_category(i: int, found: LineFeatures, title: int | None, first_prose: int) -> tuple[str, str]:
    """(category, rule) of a line the model keeps as content: its role in the article."""
    if i == title:
        return "title", "model:first-headline"
    if i < first_prose:
        return ("standfirst", "model:before-body") if found.words >= 5 or found.bullet else ("subhead", "model:short-before-body")
    if found.prose or found.bullet or found.words > 4:
        return "body", "model:body"
    return "subhead", "model:short-line"


def furniture_category(i: int, found: LineFeatures, first_content: int, last_content: int, related_from: int) -> tuple[str, str]:
    """(category, rule) of a line the model drops: what a rule names it, else what its place suggests."""
    if found.rule_category is not None:
        return found.rule_category, found.rule_id
    if i < first_content:
        return "navigation", "model:before-content"
    if i >= related_from:
        return "related_link", "model:in-related-section"
    if i > last_content:
        return "footer", "model:after-content"
    if found.headline:
        return "related_link", "model:headline-in-body"
    if found.prose:
        return "caption", "model:prose-in-body"
    return "navigation", "model:short-in-body"


def predict_categories(features: list[LineFeatures], is_content: list[bool]) -> tuple[list[str], list[str]]:
    """Category and rule of every line. The model decides content or not (`is_content`); among the content
    lines their place names title, standfirst, subhead and body; among the rest a rule names the category
    (advertisement, share, byline, dateline, ...) or, where none fires, the line's place on the page."""
    count = len(features)
    kept = [i for i in range(count) if is_content[i] and features[i].rule_category != "whitespace"]
    first_content, last_content = (kept[0], kept[-1]) if kept else (count, -1)
    first_prose = next((i for i in kept if features[i].prose and not features[i].bullet), count)
    title = kept[0] if kept and kept[0] < first_prose and not features[kept[0]].prose and not features[kept[0]].bullet else None
    related_from = next((i for i, found in enumerate(features) if found.starts_related_section and i > last_content), count)
    categories: list[str] = []
    rules: list[str] = []
    kept_set = set(kept)
    for i, found in enumerate(features):
        if found.rule_category == "whitespace":
            category, rule = "whitespace", "blank"
        elif i in kept_set:
            category, rule = content_category(i, found, title, first_prose)
        else:
            category, rule = furniture_category(i, found, first_content, last_content, related_from)
        categories.append(category)
        rules.append(rule)
    return categories, rules


def predict_page(pieces: list[str], model: LineModel | None = None) -> tuple[list[LineFeatures], list[str], list[str]]:
    """Rule features, category and rule of every line of a page (each line stripped once, for both)."""
    stripped = [piece.strip() for piece in pieces]
    features = [line_features(text) for text in stripped]
    categories, rules = predict_categories(features, (model or default_model()).is_content(stripped))
    return features, categories, rules


def predict_labels(lines: list[RawLine], model: LineModel | None = None) -> list[LineLabel]:
    """Predict a category for every line from the model's content decision, the rules and the line's place."""
    _, categories, rules = predict_page([ln.text for ln in lines], model)
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
    return _parse_loose_dateline(text)


def _parse_loose_dateline(text: str) -> tuple[str | None, str | None]:
    """The other common shapes, after normalising the line; (None, None) when none fits."""
    loose = _TIME_ZONE.sub("", _WEEKDAY.sub("", _DATELINE_PREFIX.sub("", text.strip())))
    loose = re.sub(r"\s+at\s+|\s*[,|\u2013\u2014-]\s+|T(?=\d\d:)", " ", loose)
    loose = re.sub(r"\b(Sept)\b\.?", "Sep", re.sub(r"\b([A-Z][a-z]{2})\.", r"\1", loose))
    loose = re.sub(r"(\d)\s*([AaPp])\.?[Mm]\.?$", lambda m: m.group(1) + m.group(2).upper() + "M", " ".join(loose.split()))
    loose = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", loose)
    if not loose.isascii():
        return None, None  # strptime would read other scripts' digits; the schema's date and time are ASCII
    for date_format in _LOOSE_DATES:
        for time_format in _LOOSE_TIMES:
            try:
                parsed = datetime.strptime(loose, date_format + time_format)
            except ValueError:
                continue
            return parsed.date().isoformat(), (parsed.strftime("%H:%M") if time_format else None)
    return None, None


def assemble(pieces: list[str], categories: list[str], features: list[LineFeatures]) -> tuple[str, str | None, list[Segment], dict[str, list[Any]]]:
    """Clean text from the content lines, its offset map, the title and the metadata fields.

    `pieces` as corpus.line_pieces returns them, `features` as page_line_features returns them.
    """
    content_categories, metadata_categories = categories_of_class("content"), categories_of_class("metadata")
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


def clean_text(raw_text: str, corrections: dict[str, Any] | None = None, where: str = "<text>", model: LineModel | None = None) -> CleanedDocument:
    """Pure core: raw page text -> labelled lines + clean text + offsets (`model`: default, the packaged line model).

    A byte-order mark is not text: it is left out of the clean text and title (offsets still point into the page).
    """
    bom = 1 if raw_text.startswith(BOM) else 0
    pieces = line_pieces(raw_text[bom:])
    features, categories, rules = predict_page(pieces, model)
    sources = ["predicted"] * len(pieces)
    if corrections is not None:
        predicted = [LineLabel(number, cat, "predicted", r) for number, (cat, r) in enumerate(zip(categories, rules), start=1)]
        corrected = apply_corrections(predicted, split_lines(raw_text), corrections, where)
        categories, sources = [lb.category for lb in corrected], [lb.label_source for lb in corrected]
    text, title, segments, meta = assemble(pieces, categories, features)
    if bom:
        segments = [seg._replace(raw_start=seg.raw_start + bom) for seg in segments]
    doc = CleanedDocument(text, title, categories, rules, sources, segments, meta)
    check_segments(doc.text, raw_text, doc.segments, where)  # every clean character maps back to the page
    return doc


def load_corrections(path: Path) -> dict[str, Any] | None:
    return read_json(path) if path.exists() else None


def main_clean(paths: list[str], show_labels: bool = False) -> int:
    """`detente clean PATH...`: print the clean text (or the line labels) of any raw text files.

    Each PATH must be a regular file (or a link to one): a folder, a FIFO, a socket or a device is an error
    naming it, and is not opened (reading a FIFO would wait for a writer forever). An empty file is an error, and
    so, unless labels are asked for, is a page of which the cleaner keeps no text (as `detente scale` rejects it).
    """
    for n, name in enumerate(paths):
        try:
            data = read_regular_file(name)
        except OSError as err:
            raise InputError(name, f"cannot read: {err.strerror}") from None
        if not data:  # as `detente add` and `detente scale` refuse it
            raise InputError(name, "empty file (0 bytes)")
        text = decode(data, name)
        doc = clean_text(text, where=name)
        if not doc.text and not show_labels:  # the same refusal as scale's; --labels still shows how it labelled them
            raise InputError(name, f"no content lines: the cleaner kept no text from {len(doc.categories)} lines (--labels shows each line's label)")
        if len(paths) > 1:
            print(f"==> {name} <==")
        if show_labels:
            for line, label in zip(split_lines(text), doc.labels):
                print(f"{label.line}\t{label.line_class}\t{label.category}\t{label.rule}\t{line.text}")
        else:
            sys.stdout.write(doc.text + "\n")
        if n < len(paths) - 1:
            print()
    return 0


assert set(label_set("line_category")) == set(category_class()), "labels.schema.json category_class out of sync"


def load_document_corrections(path: Path, doc_id: str) -> dict[str, Any] | None:
    """A document's reviewed line corrections file, if it exists: schema-checked, and naming that document."""
    corrections = load_corrections(path)
    if corrections is not None:
        validate(corrections, "line_corrections", str(path))
        if corrections["doc_id"] != doc_id:
            raise InputError(str(path), f"doc_id {corrections['doc_id']!r} does not match the file name")
    return corrections


def clean_document(doc: RawDocument, corrections_dir: Path) -> CleanedDocument:
    """Clean one raw document, applying its reviewed line corrections (corrections_dir/<doc_id>.json) if any."""
    corrections_path = corrections_dir / f"{doc.doc_id}.json"
    corrections = load_document_corrections(corrections_path, doc.doc_id)
    return clean_text(doc.text, corrections, where=str(corrections_path if corrections else doc.path))
