"""An article's text with its highlighted spans (entity mentions, event triggers, quotations and their cues) nested
as a tree, which the article template walks: properly nested spans become nested elements, crossing spans are an error.

Mentions and triggers never cross (the build checks it). A quotation is a clause that may start or end inside a
mention or trigger, and nothing keeps a quotation's cue (its reporting word) from crossing one either; rather than
refuse them, quotation_spans and cue_spans cut them, at the edges of what they cross, into pieces that nest, so the
page stays valid HTML. Each piece carries its number and the count, so only the first gets an HTML id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from detente.errors import InputError


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    rank: int  # at equal spans the quotation (-1) encloses the mention (0), which encloses the trigger (1), then the cue (2)
    kind: Literal["mention", "event", "quotation", "cue"]
    record: dict[str, Any]  # the mention, event or quotation (a cue's: the quotation it introduces)
    piece: int = 0  # a quotation cut into pieces: this piece's number (from 0) and how many there are
    pieces: int = 1

    @property
    def ident(self) -> str:
        return f"{self.kind} {self.record['id']}"  # a cue's is its quotation's: "cue q3"


@dataclass
class Nested:
    """A span and what it contains: text pieces and the spans inside it, in text order."""

    span: Span
    children: list[str | Nested] = field(default_factory=list)

    def holds_link(self) -> bool:
        """Whether something inside draws a link: a mention linked to the registry, or a trigger (its popover links
        its arguments and cluster). A linked mention around such a span cannot be one link: HTML forbids a link
        inside a link, so the template links its own text pieces instead."""
        return any(
            isinstance(child, Nested) and (child.span.kind == "event" or (child.span.kind == "mention" and bool(child.span.record.get("entity_id"))) or child.holds_link())
            for child in self.children
        )


def mention_span(mention: dict[str, Any]) -> Span:
    return Span(mention["start"], mention["end"], 0, "mention", mention)


def event_span(event: dict[str, Any]) -> Span:
    return Span(event["trigger"]["start"], event["trigger"]["end"], 1, "event", event)


def _crossing(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] < a[1] < b[1] or b[0] < a[0] < b[1] < a[1]


def _pieces(start: int, end: int, others: list[Span]) -> list[tuple[int, int]]:
    """(start, end) cut at the edges of the spans it crosses until no piece crosses any."""
    cuts = {start, end}
    edges = sorted({edge for other in others for edge in (other.start, other.end) if start < edge < end})
    while True:
        points = sorted(cuts)
        pieces = [(a, b) for a, b in zip(points, points[1:])]
        crossed = [o for piece in pieces for o in others if _crossing(piece, (o.start, o.end))]
        if not crossed:
            return pieces
        before = len(cuts)
        cuts.update(edge for o in crossed for edge in (o.start, o.end) if edge in edges)
        if len(cuts) == before:  # cannot happen: a crossed span always has an edge inside the piece
            return pieces


def quotation_spans(quotation: dict[str, Any], others: list[Span]) -> list[Span]:
    """A quotation as one span, or as pieces cut at the edges of the mentions and triggers it crosses."""
    pieces = _pieces(quotation["start"], quotation["end"], others)
    return [Span(a, b, -1, "quotation", quotation, number, len(pieces)) for number, (a, b) in enumerate(pieces)]


def cue_spans(quotation: dict[str, Any], others: list[Span]) -> list[Span]:
    """A quotation's cue as one span, or as pieces cut at the edges of the spans it crosses; none without a cue."""
    cue = quotation.get("cue")
    if not cue:
        return []
    pieces = _pieces(cue["start"], cue["end"], others)
    return [Span(a, b, 2, "cue", quotation, number, len(pieces)) for number, (a, b) in enumerate(pieces)]


def article_spans(mentions: list[dict[str, Any]], events: list[dict[str, Any]], quotations: list[dict[str, Any]]) -> list[Span]:
    """Every highlighted span of an article, cut so that no two cross: the mentions and triggers (which never cross),
    then each quotation's cue cut at the edges of those and of the cues placed before it (two quotations' cues may
    overlap: "told reporters", "reporters said"), then each quotation cut at the edges of all of them."""
    spans = [mention_span(m) for m in mentions] + [event_span(e) for e in events]
    for quotation in quotations:
        spans += cue_spans(quotation, spans)
    return spans + [piece for quotation in quotations for piece in quotation_spans(quotation, spans)]


def nest_spans(text: str, spans: list[Span], where: str) -> list[str | Nested]:
    """The text as a list of text pieces and top-level spans, each holding the pieces and spans inside it."""
    top_level: list[str | Nested] = []
    open_spans: list[Nested] = []
    pos = 0

    def add_text(until: int) -> None:
        nonlocal pos
        if until > pos:
            (open_spans[-1].children if open_spans else top_level).append(text[pos:until])
        pos = until

    def close_innermost() -> None:
        add_text(open_spans[-1].span.end)
        open_spans.pop()

    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.rank)):
        while open_spans and open_spans[-1].span.end <= span.start:
            close_innermost()
        if open_spans and span.end > open_spans[-1].span.end:
            raise InputError(where, f"{open_spans[-1].span.ident} and {span.ident} cross (neither contains the other); cannot nest them")
        add_text(span.start)
        node = Nested(span)
        (open_spans[-1].children if open_spans else top_level).append(node)
        open_spans.append(node)
    while open_spans:
        close_innermost()
    add_text(len(text))
    return top_level
