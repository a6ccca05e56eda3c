"""Stage 1, clean: label every raw line and assemble the clean text with its offset map."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from detente.corpus import RawLine, decode, split_lines
from detente.errors import InputError, OffsetError
from detente.jsonio import read_json
from detente.rules import match_line
from detente.schemas import category_class, label_set, validate

CLEANER_VERSION = "detente-cleaner/1"

_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_BULLET = re.compile(r"^[•·▪●*-]\s+")
_DATELINE_FORMATS = ("%d %B %Y %H:%M", "%d %B %Y", "%B %d, %Y %H:%M", "%B %d, %Y")


@dataclass(frozen=True)
class LineLabel:
    line: int
    category: str
    label_source: str  # "predicted" | "corrected"
    rule: str

    @property
    def line_class(self) -> str:
        return category_class()[self.category]


@dataclass(frozen=True)
class Segment:
    start: int  # offset in the clean text
    raw_start: int  # offset in the raw text
    length: int
    line: int


@dataclass
class CleanedDocument:
    text: str
    title: str | None
    labels: list[LineLabel]
    segments: list[Segment]
    page_metadata: dict[str, Any] = field(default_factory=dict)


def _words(text: str) -> int:
    return len(text.split())


def is_prose(text: str) -> bool:
    """A paragraph of running text: a finished sentence, or too long to be a heading."""
    words = _words(text)
    return words >= 20 or (words >= 5 and bool(_TERMINAL.search(text)))


def is_headline_shaped(text: str) -> bool:
    return 5 <= _words(text) <= 30 and not _TERMINAL.search(text)


def is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text))


def predict_labels(lines: list[RawLine]) -> list[LineLabel]:
    """Predict a category for every line from its own text and its place on the page."""
    stripped = [ln.text.strip() for ln in lines]
    category: list[str | None] = [None] * len(lines)
    rule: list[str] = [""] * len(lines)
    related_headers: list[int] = []

    # Pass 1: rules on each line's own text.
    for i, text in enumerate(stripped):
        if not text:
            category[i], rule[i] = "whitespace", "blank"
            continue
        matched = match_line(text)
        if matched is not None:
            category[i], rule[i] = matched.category, matched.rule_id
            if matched.starts_related_section:
                related_headers.append(i)

    # Pass 2: a short non-prose line between two lines of the same boilerplate block belongs to it.
    def neighbour(i: int, step: int) -> int | None:
        j = i + step
        while 0 <= j < len(lines) and category[j] == "whitespace":
            j += step
        return j if 0 <= j < len(lines) else None

    boilerplate = {c for c, k in category_class().items() if k == "boilerplate"} - {"whitespace"}
    for i, text in enumerate(stripped):
        if category[i] is None and not is_prose(text):
            before, after = neighbour(i, -1), neighbour(i, 1)
            if before is not None and after is not None and category[before] == category[after] in boilerplate:
                category[i], rule[i] = category[before], "sandwiched-in-block"

    # Pass 3: page structure (header zone, title, standfirst, body, footer zone).
    open_lines = [i for i in range(len(lines)) if category[i] is None]
    prose = [i for i in open_lines if is_prose(stripped[i]) and not is_bullet(stripped[i])]
    first_prose = prose[0] if prose else len(lines)
    section_start = next((h for h in related_headers if h > first_prose), len(lines))
    body_prose = [i for i in prose if i < section_start]
    last_prose = body_prose[-1] if body_prose else -1
    title = next((i for i in open_lines if i < first_prose and is_headline_shaped(stripped[i])), None)

    for i in open_lines:
        text = stripped[i]
        if i == title:
            category[i], rule[i] = "title", "first-headline-before-body"
        elif i < first_prose:
            after_title = title is not None and i > title
            if after_title and (is_bullet(text) or _words(text) >= 5):
                category[i], rule[i] = "standfirst", "between-title-and-body"
            else:
                category[i], rule[i] = "navigation", "header-zone"
        elif i >= section_start:
            category[i], rule[i] = "related_link", "in-related-section"
        elif i <= last_prose:
            previous = neighbour(i, -1)
            if is_prose(text) or is_bullet(text):
                category[i], rule[i] = "body", "prose-in-body"
            elif previous is not None and category[previous] == "video_widget":
                category[i], rule[i] = "video_widget", "follows-video-widget"
            elif _words(text) <= 4:
                category[i], rule[i] = "subhead", "short-line-in-body"
            else:
                category[i], rule[i] = "related_link", "headline-in-body"
        else:
            category[i], rule[i] = "footer", "after-body"

    return [LineLabel(ln.number, cat or "footer", "predicted", r) for ln, cat, r in zip(lines, category, rule)]


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
    for fmt in _DATELINE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat(), (parsed.strftime("%H:%M") if "%H" in fmt else None)
    return None, None


def assemble(lines: list[RawLine], labels: list[LineLabel]) -> CleanedDocument:
    """Clean text from content lines, with the offset map and the metadata fields."""
    parts: list[str] = []
    segments: list[Segment] = []
    offset = 0
    title: str | None = None
    meta: dict[str, list[Any]] = {"bylines": [], "datelines": [], "publishers": [], "credits": [], "copyrights": []}
    for line, label in zip(lines, labels):
        stripped = line.text.strip()
        if label.line_class == "content":
            content = _BULLET.sub("", stripped)
            if not content:
                continue  # a content label on an empty line adds no text
            lead = line.text.index(content)
            if parts:
                offset += 1  # the "\n" separator
            segments.append(Segment(offset, line.start + lead, len(content), line.number))
            parts.append(content)
            offset += len(content)
            if label.category == "title" and title is None:
                title = content
        elif label.line_class == "metadata":
            if label.category == "dateline":
                date, time = parse_dateline(stripped)
                meta["datelines"].append({"text": stripped, "date": date, "time": time})
            else:
                meta[{"byline": "bylines", "publisher": "publishers", "credit": "credits", "copyright": "copyrights"}[label.category]].append(stripped)
    return CleanedDocument("\n".join(parts), title, labels, segments, meta)


def check_offsets(raw_text: str, doc: CleanedDocument, where: str) -> None:
    """Every clean character maps back to raw; the only unmapped characters are separators."""
    covered = 0
    for seg in doc.segments:
        if raw_text[seg.raw_start : seg.raw_start + seg.length] != doc.text[seg.start : seg.start + seg.length]:
            raise OffsetError(where, f"segment for line {seg.line} does not reproduce the raw text")
        covered += seg.length
    if covered + max(len(doc.segments) - 1, 0) != len(doc.text):
        raise OffsetError(where, "clean text has characters that map to no raw offset")


def clean_text(raw_text: str, corrections: dict[str, Any] | None = None, where: str = "<text>") -> CleanedDocument:
    """Pure core: raw page text -> labelled lines + clean text + offsets."""
    lines = split_lines(raw_text)
    labels = predict_labels(lines)
    if corrections is not None:
        labels = apply_corrections(labels, lines, corrections, where)
    doc = assemble(lines, labels)
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
